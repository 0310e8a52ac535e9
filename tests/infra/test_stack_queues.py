"""Queues, their dead-letter queues and redrive, as chalicelib.queues and
.chalice/config.json describe them."""

import json

from aws_cdk.assertions import Match

from chalicelib.queues import (
    DEAD_LETTER_RETENTION_SECONDS,
    DOWNSTREAM_VISIBILITY_TIMEOUT_SECONDS,
    MAX_RECEIVE_COUNT,
    ORDER_EVENTS,
    QUEUES,
    TICKET_STATUS_EVENTS,
    VISIBILITY_PER_HANDLER_TIMEOUT,
)
from tests.infra.conftest import PROJECT_DIR, STAGE, Synthesized

STREAM_DEAD_LETTERS = f"catalyst-{STAGE}-orders-stream-dlq"


def _queues_by_name(synthesized: Synthesized) -> dict[str, tuple[str, dict]]:
    return {
        queue["Properties"]["QueueName"]: (logical_id, queue["Properties"])
        for logical_id, queue in synthesized.of_type("AWS::SQS::Queue").items()
    }


def _consumer_timeout(function: str) -> int:
    config = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())
    stage_functions = config["stages"][STAGE].get("lambda_functions", {})
    return stage_functions.get(function, {}).get("lambda_timeout", config["lambda_timeout"])


def test_every_queue_has_its_dead_letter_queue_and_nothing_else_exists(synthesized: Synthesized) -> None:
    expected = {f"catalyst-{STAGE}-{queue}{suffix}" for queue in QUEUES for suffix in ("", "-dlq")}
    assert set(_queues_by_name(synthesized)) == expected | {STREAM_DEAD_LETTERS}


def test_each_queue_redrives_to_its_own_dead_letter_queue(synthesized: Synthesized) -> None:
    queues = _queues_by_name(synthesized)
    for queue in QUEUES:
        _, properties = queues[f"catalyst-{STAGE}-{queue}"]
        dead_letter_id, dead_letter = queues[f"catalyst-{STAGE}-{queue}-dlq"]
        assert properties["RedrivePolicy"] == {
            "deadLetterTargetArn": {"Fn::GetAtt": [dead_letter_id, "Arn"]},
            "maxReceiveCount": MAX_RECEIVE_COUNT,
        }
        assert dead_letter["MessageRetentionPeriod"] == DEAD_LETTER_RETENTION_SECONDS
        assert "RedrivePolicy" not in dead_letter


def test_visibility_is_a_multiple_of_the_consumers_timeout(synthesized: Synthesized) -> None:
    queues = _queues_by_name(synthesized)
    consumed = queues[f"catalyst-{STAGE}-{TICKET_STATUS_EVENTS}"][1]
    batching_window = 1  # app.py: maximum_batching_window_in_seconds of ticket_status_events
    assert consumed["VisibilityTimeout"] == (
        VISIBILITY_PER_HANDLER_TIMEOUT * _consumer_timeout("ticket_status_events") + batching_window
    )
    # order-events is read by downstream systems, not by a function of ours.
    downstream = queues[f"catalyst-{STAGE}-{ORDER_EVENTS}"][1]
    assert downstream["VisibilityTimeout"] == DOWNSTREAM_VISIBILITY_TIMEOUT_SECONDS


def test_every_queue_refuses_unencrypted_transport(synthesized: Synthesized) -> None:
    policies = synthesized.of_type("AWS::SQS::QueuePolicy").values()
    protected = {queue["Ref"] for policy in policies for queue in policy["Properties"]["Queues"]}
    assert protected == set(synthesized.of_type("AWS::SQS::Queue"))
    synthesized.template.all_resources_properties(
        "AWS::SQS::QueuePolicy",
        Match.object_like(
            {
                "PolicyDocument": {
                    "Statement": [
                        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
                    ],
                    "Version": "2012-10-17",
                }
            }
        ),
    )
