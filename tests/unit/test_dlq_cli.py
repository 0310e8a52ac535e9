"""The DLQ commands against moto's SQS: list with reasons, redrive, purge."""

import json
from datetime import UTC, datetime

import pytest

from chalicelib.orders.domain import STATUS_EVENT_RETENTION
from chalicelib.orders.message_failures import FailureRecord, failure_key
from chalicelib.orders.ticket_status_events import REASON_ATTRIBUTE, SOURCE_MESSAGE_ATTRIBUTE
from chalicelib.queues import TICKET_STATUS_EVENTS, dead_letter_queue, queue_url, sqs_client
from infra.cli.dlq import dlq_list, dlq_purge, dlq_redrive

pytestmark = pytest.mark.usefixtures("queues")


def _urls() -> tuple[str, str]:
    return queue_url(dead_letter_queue(TICKET_STATUS_EVENTS)), queue_url(TICKET_STATUS_EVENTS)


def _dead_letter(body: str, reason: str | None = None) -> str:
    attributes = {"trace": {"DataType": "String", "StringValue": "abc"}}
    if reason:
        attributes[REASON_ATTRIBUTE] = {"DataType": "String", "StringValue": reason}
        attributes[SOURCE_MESSAGE_ATTRIBUTE] = {"DataType": "String", "StringValue": "original-id"}
    dead_letter_url, _ = _urls()
    return sqs_client().send_message(QueueUrl=dead_letter_url, MessageBody=body, MessageAttributes=attributes)[
        "MessageId"
    ]


def _bodies(url: str) -> list[str]:
    messages = sqs_client().receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
    return sorted(message["Body"] for message in messages.get("Messages", []))


def test_list_shows_each_dead_letter_with_its_reason_and_leaves_it_in_place(capsys: pytest.CaptureFixture) -> None:
    dead_letter_url, _ = _urls()
    _dead_letter("not json", reason="invalid status event: not JSON")
    redriven = _dead_letter('{"ticket_code": "x"}')
    now = datetime.now(UTC)
    FailureRecord(
        failure_key(redriven),
        reason="ticket x is not known",
        attempts=5,
        recorded_at=now,
        expires_at=now + STATUS_EVENT_RETENTION,
    ).save()
    unexplained = _dead_letter('{"other": 1}')

    assert dlq_list(sqs_client(), dead_letter_url, as_json=True) == 0

    listed = {entry["message_id"]: entry for entry in json.loads(capsys.readouterr().out)}
    assert len(listed) == 3
    reasons = sorted(entry["reason"] for entry in listed.values())
    assert "invalid status event: not JSON" in reasons
    assert listed[redriven]["reason"] == "ticket x is not known (moved by the redrive policy after 5 failed attempts)"
    assert listed[unexplained]["reason"].startswith("moved by the redrive policy")
    assert _bodies(dead_letter_url) == sorted(['{"other": 1}', '{"ticket_code": "x"}', "not json"])


def test_redrive_moves_messages_back_without_the_dead_letter_attributes(capsys: pytest.CaptureFixture) -> None:
    dead_letter_url, source_url = _urls()
    _dead_letter("first", reason="broken")
    _dead_letter("second", reason="broken")

    assert dlq_redrive(sqs_client(), dead_letter_url, source_url, message_id=None) == 0

    assert "moved 2" in capsys.readouterr().out
    assert _bodies(dead_letter_url) == []
    messages = sqs_client().receive_message(QueueUrl=source_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
    redriven = messages["Messages"]
    assert sorted(message["Body"] for message in redriven) == ["first", "second"]
    for message in redriven:
        assert set(message["MessageAttributes"]) == {"trace"}


def test_redrive_of_one_message_leaves_the_others_visible(capsys: pytest.CaptureFixture) -> None:
    dead_letter_url, source_url = _urls()
    wanted = _dead_letter("wanted", reason="broken")
    _dead_letter("kept", reason="broken")

    dlq_redrive(sqs_client(), dead_letter_url, source_url, message_id=wanted)

    assert "moved 1" in capsys.readouterr().out
    assert _bodies(source_url) == ["wanted"]
    assert _bodies(dead_letter_url) == ["kept"]


def test_purge_needs_confirmation() -> None:
    dead_letter_url, _ = _urls()
    _dead_letter("doomed", reason="broken")

    assert dlq_purge(sqs_client(), dead_letter_url, confirmed=False) == 2
    assert _bodies(dead_letter_url) == ["doomed"]
    assert dlq_purge(sqs_client(), dead_letter_url, confirmed=True) == 0
    assert _bodies(dead_letter_url) == []
