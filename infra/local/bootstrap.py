"""Create every table and queue the app needs, idempotently.

The same code serves `make run`, the integration tests and LocalStack's init
hook. Tables come from the PynamoDB models themselves; each queue gets its
dead-letter queue, a redrive policy and a visibility timeout of six times the
timeout of the function that consumes it (from .chalice/config.json).
"""

import argparse
import json
import os
from pathlib import Path
from typing import Any

import boto3
from chalice.app import SQSEventConfig
from chalice.cli.factory import CLIFactory

from chalicelib.config import settings
from chalicelib.orders.models import OrdersTableItem
from chalicelib.queues import (
    DEAD_LETTER_RETENTION_SECONDS,
    DOWNSTREAM_VISIBILITY_TIMEOUT_SECONDS,
    MAX_RECEIVE_COUNT,
    QUEUES,
    consumer_visibility_timeout,
    dead_letter_queue,
)
from chalicelib.runtime import configure, load_settings
from chalicelib.tables import TABLES
from infra.local.waiters import wait_until_active

PROJECT_DIR = Path(__file__).resolve().parents[2]


def consumer_timeouts(stage: str) -> dict[str, int]:
    """Queue name -> visibility timeout (seconds) its consuming function needs,
    from that function's timeout (.chalice/config.json) and batching window (app.py)."""
    factory = CLIFactory(str(PROJECT_DIR), environ=dict(os.environ))
    config = factory.create_config_obj(chalice_stage_name=stage)
    app = factory.load_chalice_app()
    return {
        source.queue: consumer_visibility_timeout(
            int(config.scope(stage, source.name).lambda_timeout or 60), source.maximum_batching_window_in_seconds
        )
        for source in app.event_sources
        if isinstance(source, SQSEventConfig) and source.queue
    }


def visibility_timeout(queue_name: str, timeouts: dict[str, int]) -> int:
    """Seconds a received message stays hidden: what its consumer needs, or the downstream default."""
    return timeouts.get(queue_name, DOWNSTREAM_VISIBILITY_TIMEOUT_SECONDS)


def _create_queue(sqs: Any, name: str, attributes: dict[str, str]) -> str:
    # CreateQueue is idempotent for equal attributes; an existing queue with
    # other attributes is brought up to date instead.
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    return url


def create_queues() -> list[str]:
    sqs = boto3.client("sqs", region_name=settings().aws_region)
    timeouts = consumer_timeouts(settings().stage)
    names = []
    for queue in QUEUES:
        name = settings().resource_name(queue)
        dead_letter_name = settings().resource_name(dead_letter_queue(queue))
        dead_letter_url = _create_queue(
            sqs, dead_letter_name, {"MessageRetentionPeriod": str(DEAD_LETTER_RETENTION_SECONDS)}
        )
        dead_letter_arn = sqs.get_queue_attributes(QueueUrl=dead_letter_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        redrive = {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": str(MAX_RECEIVE_COUNT)}
        _create_queue(
            sqs,
            name,
            {
                "VisibilityTimeout": str(visibility_timeout(name, timeouts)),
                "MessageRetentionPeriod": str(DEAD_LETTER_RETENTION_SECONDS),
                "RedrivePolicy": json.dumps(redrive),
            },
        )
        names += [name, dead_letter_name]
    return names


def create_tables() -> list[str]:
    dynamodb = boto3.client("dynamodb", region_name=settings().aws_region)
    for model in TABLES.values():
        # PynamoDB waits for the table (not its indexes) before it sets the TTL,
        # which AWS refuses on a table still CREATING.
        model.create_table(wait=True)
        # Also for a table that existed already, whose indexes may still be CREATING.
        wait_until_active(dynamodb, model.Meta.table_name)
    return [model.Meta.table_name for model in TABLES.values()]


def orders_stream_arn() -> str:
    return OrdersTableItem.describe_table()["LatestStreamArn"]


def bootstrap() -> dict[str, list[str]]:
    """Create what the configured stage lacks; return the names of the tables and queues that exist now."""
    return {"tables": create_tables(), "queues": create_queues()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", default=os.environ.get("CATALYST_STAGE", "local"))
    configure(load_settings({**os.environ, "CATALYST_STAGE": parser.parse_args().stage}))
    resources = bootstrap()
    for kind, names in resources.items():
        for name in names:
            print(f"{kind[:-1]} ready: {name}")
