"""The two local backends side by side: the embedded emulator (moto) and
host-mode LocalStack (DynamoDB Local), in the same run.

    .venv/bin/python -m bench.backends [--operations 300] [--requests 30]

For each backend: DynamoDB operations per second, sequential through one
boto3 client (PutItem, GetItem, Query, TransactWriteItems of two items), and
the latency of the API's main calls through `make run`'s runner on it.
"""

import argparse
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from tqdm import tqdm

from bench import api_latency
from bench.local_stack import running_local_stack
from bench.stats import median, timed_ms
from infra.local.emulator import free_port, start_emulator
from infra.local.waiters import wait_until_active
from infra.localstack.host import localstack_at

BACKENDS = ("emulator", "LocalStack")


@dataclass
class BackendFigures:
    operations_per_second: dict[str, float]
    latency: dict[str, list[float]]


@contextmanager
def backend_endpoint(name: str) -> Iterator[str]:
    """The endpoint URL of a fresh backend of that name, stopped afterwards."""
    if name == "emulator":
        emulator = start_emulator(port=free_port())
        try:
            yield emulator.endpoint_url
        finally:
            emulator.stop()
    else:
        with localstack_at() as localstack:
            yield localstack.url


def _operations(dynamodb: Any, table: str) -> dict[str, Callable[[int], Any]]:
    def item(n: int, suffix: str = "") -> dict[str, Any]:
        return {"pk": {"S": f"order#{n % 50}"}, "sk": {"S": f"item#{n}{suffix}"}, "payload": {"S": "x" * 200}}

    return {
        "PutItem": lambda n: dynamodb.put_item(TableName=table, Item=item(n)),
        "GetItem": lambda n: dynamodb.get_item(TableName=table, Key={k: item(n)[k] for k in ("pk", "sk")}),
        "Query (one partition)": lambda n: dynamodb.query(
            TableName=table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": item(n)["pk"]},
            Limit=20,
        ),
        "TransactWriteItems (2 puts)": lambda n: dynamodb.transact_write_items(
            TransactItems=[{"Put": {"TableName": table, "Item": item(n, suffix)}} for suffix in ("a", "b")]
        ),
    }


def operations_per_second(endpoint_url: str, count: int) -> dict[str, float]:
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",  # noqa: S106 (local backends ignore it)
    )
    table = f"bench-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    wait_until_active(dynamodb, table, delay_seconds=1)
    rates = {}
    for name, operation in _operations(dynamodb, table).items():
        durations = [timed_ms(lambda n=n, operation=operation: operation(n))[0] for n in range(count)]
        rates[name] = 1000 / median(durations)
    dynamodb.delete_table(TableName=table)
    return rates


def measure(operations: int, requests: int) -> dict[str, BackendFigures]:
    figures = {}
    for name in tqdm(BACKENDS, desc="backends", unit="backend"):
        with backend_endpoint(name) as endpoint_url, running_local_stack(endpoint_url) as base_url:
            figures[name] = BackendFigures(
                operations_per_second=operations_per_second(endpoint_url, operations),
                latency=api_latency.measure(base_url, requests),
            )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--operations", type=int, default=300)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    figures = measure(args.operations, args.requests)
    print(f"{'':<30}" + "".join(f"{name:>14}" for name in BACKENDS))
    for operation in figures[BACKENDS[0]].operations_per_second:
        rates = "".join(f"{figures[name].operations_per_second[operation]:>10.0f} /s " for name in BACKENDS)
        print(f"{operation:<30}{rates}")
    for endpoint in figures[BACKENDS[0]].latency:
        medians = "".join(f"{median(figures[name].latency[endpoint]):>11.1f} ms" for name in BACKENDS)
        print(f"{endpoint:<30}{medians}")


if __name__ == "__main__":
    main()
