"""The ticket-status-events consumer, fed Lambda-shaped SQS events, over moto."""

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import boto3
import pytest
from botocore.exceptions import ClientError

from app import app
from chalicelib.orders import services, ticket_status_events
from chalicelib.orders.message_failures import FailureRecord, failure_key
from chalicelib.orders.ticket_status_events import consume_status_events
from tests.support.orders import remembered_event
from tests.unit.conftest import Api

pytestmark = pytest.mark.usefixtures("queues")
QUEUE = "catalyst-test-ticket-status-events"
DEAD_LETTERS = "catalyst-test-ticket-status-events-dlq"
QUEUE_ARN = f"arn:aws:sqs:us-east-1:123456789012:{QUEUE}"
UNKNOWN_TICKET = "0b6f4c52-6f0e-4a51-9d57-3c1c4ad1d0c1"


@pytest.fixture
def order(api: Api, token: str) -> dict:
    return api.create_order(token, tickets=2)


def sqs_record(
    body: str | dict,
    *,
    message_id: str | None = None,
    receive_count: int = 1,
    attributes: dict[str, dict] | None = None,
) -> dict:
    """One record as Lambda hands it over from SQS."""
    return {
        "messageId": message_id or str(uuid.uuid4()),
        "receiptHandle": f"AQEB{uuid.uuid4().hex}",
        "body": body if isinstance(body, str) else json.dumps(body),
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": "1772366400000",
            "SenderId": "AIDAEXAMPLE",
            "ApproximateFirstReceiveTimestamp": "1772366400100",
        },
        "messageAttributes": attributes or {},
        "md5OfBody": "0" * 32,
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": "us-east-1",
    }


def string_attribute(value: str) -> dict:
    return {"stringValue": value, "stringListValues": [], "binaryListValues": [], "dataType": "String"}


def sqs_event(*records: dict) -> dict:
    return {"Records": list(records)}


def report(code: str, status: str, **fields: object) -> dict:
    return {"ticket_code": code, "status": status, **fields}


def sqs() -> object:
    return boto3.client("sqs", region_name="us-east-1")


def drain(queue: str) -> list[dict]:
    """Every message now on the queue, with its message attributes."""
    url = sqs().get_queue_url(QueueName=queue)["QueueUrl"]
    messages: list[dict] = []
    while True:
        batch = (
            sqs()
            .receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0)
            .get("Messages", [])
        )
        if not batch:
            return messages
        messages += batch


def attributes_of(message: dict) -> dict[str, str]:
    return {name: value["StringValue"] for name, value in message.get("MessageAttributes", {}).items()}


def histories(api: Api, token: str, order_id: int) -> list[list[tuple[str, str, str, str | None]]]:
    return [
        [(entry["from_status"], entry["to_status"], entry["source"], entry["event_id"]) for entry in ticket["history"]]
        for ticket in api.order_detail(token, order_id)["tickets"]
    ]


def failure_record(message_id: str) -> FailureRecord:
    return FailureRecord.get(failure_key(message_id), consistent_read=True)


def no_failure_record(message_id: str) -> bool:
    try:
        failure_record(message_id)
    except FailureRecord.DoesNotExist:
        return True
    return False


# --- one valid report ------------------------------------------------------------------------------


def test_valid_report_is_applied_with_source_sqs_and_its_event_id(api: Api, token: str, order: dict) -> None:
    code = order["tickets"][0]["code"]
    record = sqs_record(report(code, "IN_PROGRESS", event_id="lab-42", source="lab-system"))

    result = consume_status_events(sqs_event(record), None)

    assert result == {"batchItemFailures": []}
    assert histories(api, token, order["order_id"]) == [[("NEW", "IN_PROGRESS", "sqs", "lab-42")], []]
    assert api.order_detail(token, order["order_id"])["status"] == "PROCESSING"
    assert remembered_event(code, "lab-42")["outcome"] == "applied"
    assert no_failure_record(record["messageId"])
    assert drain(DEAD_LETTERS) == []


def test_occurred_at_of_the_report_is_the_history_time(api: Api, token: str, order: dict) -> None:
    code = order["tickets"][0]["code"]
    occurred_at = datetime.now(UTC) - timedelta(minutes=30)

    result = consume_status_events(
        sqs_event(sqs_record(report(code, "DONE", occurred_at=occurred_at.isoformat()))), None
    )

    assert result == {"batchItemFailures": []}
    [entry] = api.order_detail(token, order["order_id"])["tickets"][0]["history"]
    assert datetime.fromisoformat(entry["at"]) == occurred_at


def test_ticket_code_in_upper_case_finds_the_ticket(api: Api, token: str, order: dict) -> None:
    code = order["tickets"][1]["code"]

    result = consume_status_events(sqs_event(sqs_record(report(code.upper(), "DONE", event_id="e-1"))), None)

    assert result == {"batchItemFailures": []}
    assert histories(api, token, order["order_id"]) == [[], [("NEW", "DONE", "sqs", "e-1")]]


def test_without_event_id_the_message_id_is_the_idempotency_key(api: Api, token: str, order: dict) -> None:
    code = order["tickets"][0]["code"]
    record = sqs_record(report(code, "DONE"), message_id="11111111-2222-3333-4444-555555555555")
    redelivered = {**record, "receiptHandle": "AQEBother", "attributes": {**record["attributes"]}}
    redelivered["attributes"]["ApproximateReceiveCount"] = "2"

    first = consume_status_events(sqs_event(record), None)
    second = consume_status_events(sqs_event(redelivered), None)

    assert first == second == {"batchItemFailures": []}
    assert histories(api, token, order["order_id"]) == [[("NEW", "DONE", "sqs", record["messageId"])], []]
    assert remembered_event(code, record["messageId"])["outcome"] == "applied"
    assert api.order_detail(token, order["order_id"])["ticket_count"] == 2


def test_two_messages_without_event_id_are_two_reports(api: Api, token: str, order: dict) -> None:
    """Without an event_id only the message ids tell reports apart: the second is taken, as unchanged."""
    code = order["tickets"][0]["code"]
    first, second = sqs_record(report(code, "DONE")), sqs_record(report(code, "DONE"))

    result = consume_status_events(sqs_event(first, second), None)

    assert result == {"batchItemFailures": []}
    assert histories(api, token, order["order_id"]) == [[("NEW", "DONE", "sqs", first["messageId"])], []]
    outcomes = [remembered_event(code, r["messageId"])["outcome"] for r in (first, second)]
    assert outcomes == ["applied", "unchanged"]


def test_same_event_id_in_two_messages_applies_once(api: Api, token: str, order: dict) -> None:
    code = order["tickets"][0]["code"]
    body = report(code, "DONE", event_id="lab-7")

    result = consume_status_events(sqs_event(sqs_record(body), sqs_record(body)), None)

    assert result == {"batchItemFailures": []}
    assert histories(api, token, order["order_id"]) == [[("NEW", "DONE", "sqs", "lab-7")], []]


def test_stale_report_is_taken_and_recorded_not_applied(api: Api, token: str, order: dict) -> None:
    code = order["tickets"][0]["code"]
    now = datetime.now(UTC)
    newer = sqs_record(report(code, "DONE", event_id="new", occurred_at=now.isoformat()))
    older = sqs_record(
        report(code, "IN_PROGRESS", event_id="old", occurred_at=(now - timedelta(minutes=1)).isoformat())
    )

    result = consume_status_events(sqs_event(newer, older), None)

    assert result == {"batchItemFailures": []}
    assert histories(api, token, order["order_id"]) == [[("NEW", "DONE", "sqs", "new")], []]
    assert remembered_event(code, "old")["outcome"] == "stale"
    assert drain(DEAD_LETTERS) == []


# --- a mixed batch ---------------------------------------------------------------------------------


def test_mixed_batch_fails_only_the_unknown_ticket_and_dead_letters_the_malformed(
    api: Api, token: str, order: dict
) -> None:
    code = order["tickets"][0]["code"]
    future = (datetime.now(UTC) + timedelta(minutes=6)).isoformat()
    valid = sqs_record(report(code, "DONE", event_id="ok-1"))
    garbage = sqs_record("not json", attributes={"sender": string_attribute("lab-system")})
    unknown_status = sqs_record(report(code, "PAUSED", event_id="bad-status"))
    unknown_ticket = sqs_record(report(UNKNOWN_TICKET, "DONE", event_id="early-1"), receive_count=3)
    from_the_future = sqs_record(report(code, "ERROR", event_id="future-1", occurred_at=future))

    result = consume_status_events(sqs_event(valid, garbage, unknown_status, unknown_ticket, from_the_future), None)

    assert result == {"batchItemFailures": [{"itemIdentifier": unknown_ticket["messageId"]}]}
    assert histories(api, token, order["order_id"]) == [[("NEW", "DONE", "sqs", "ok-1")], []]

    dead = {attributes_of(message)["source_message_id"]: message for message in drain(DEAD_LETTERS)}
    assert set(dead) == {garbage["messageId"], unknown_status["messageId"], from_the_future["messageId"]}
    for original in (garbage, unknown_status, from_the_future):
        assert dead[original["messageId"]]["Body"] == original["body"]
    garbage_attributes = attributes_of(dead[garbage["messageId"]])
    assert set(garbage_attributes) == {"sender", "dead_letter_reason", "source_message_id"}
    assert garbage_attributes["sender"] == "lab-system"
    assert garbage_attributes["dead_letter_reason"] == (
        "invalid status event: non_field_errors: Invalid JSON: expected ident at line 1 column 2"
    )
    assert attributes_of(dead[unknown_status["messageId"]]) == {
        "dead_letter_reason": 'invalid status event: status: "PAUSED" is not a valid choice.',
        "source_message_id": unknown_status["messageId"],
    }
    assert attributes_of(dead[from_the_future["messageId"]]) == {
        "dead_letter_reason": "invalid status event: occurred_at: This time is in the future.",
        "source_message_id": from_the_future["messageId"],
    }

    failure = failure_record(unknown_ticket["messageId"])
    assert (failure.reason, failure.attempts) == (f"ticket {UNKNOWN_TICKET} is not known", 3)
    assert failure.expires_at == (failure.recorded_at + timedelta(days=15)).replace(microsecond=0)
    for handled in (valid, garbage, unknown_status, from_the_future):
        assert no_failure_record(handled["messageId"])


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param(
            "",
            "invalid status event: non_field_errors: Invalid JSON: EOF while parsing a value at line 1 column 0",
            id="empty-body",
        ),
        pytest.param(
            "[]",
            "invalid status event: non_field_errors: Invalid data. Expected a dictionary, but got list.",
            id="a-list",
        ),
        pytest.param(
            json.dumps({"status": "DONE"}), "invalid status event: ticket_code: This field is required.", id="no-ticket"
        ),
        pytest.param(
            json.dumps(report("not-a-uuid", "DONE")),
            "invalid status event: ticket_code: Input should be a valid UUID, invalid character: found `n` at 0",
            id="ticket-not-a-uuid",
        ),
        pytest.param(
            json.dumps(report(UNKNOWN_TICKET, "done")),
            'invalid status event: status: "done" is not a valid choice.',
            id="lower-case-status",
        ),
        pytest.param(
            json.dumps({"ticket_code": UNKNOWN_TICKET}),
            "invalid status event: status: This field is required.",
            id="no-status",
        ),
        pytest.param(
            json.dumps(report(UNKNOWN_TICKET, "DONE", event_id="")),
            "invalid status event: event_id: This field may not be blank.",
            id="blank-event-id",
        ),
        pytest.param(
            json.dumps(report(UNKNOWN_TICKET, "DONE", occurred_at="soon")),
            "invalid status event: occurred_at: Datetime has wrong format. Use ISO 8601.",
            id="occurred-at-not-a-time",
        ),
        pytest.param(
            json.dumps(report(UNKNOWN_TICKET, "DONE", occurred_at="0001-01-01T00:00:00+01:00")),
            "invalid status event: occurred_at: This time is out of range.",
            id="occurred-at-out-of-range",
        ),
    ],
)
def test_message_that_can_never_succeed_goes_to_the_dead_letter_queue_at_once(
    queues: None, body: str, reason: str
) -> None:
    record = sqs_record(body)

    result = consume_status_events(sqs_event(record), None)

    assert result == {"batchItemFailures": []}
    [dead] = drain(DEAD_LETTERS)
    assert dead["Body"] == body
    assert attributes_of(dead) == {"dead_letter_reason": reason, "source_message_id": record["messageId"]}
    assert no_failure_record(record["messageId"])


@pytest.mark.parametrize(
    ("ahead", "dead_lettered"),
    [
        pytest.param(timedelta(minutes=4), False, id="four-minutes-ahead-is-taken"),
        pytest.param(timedelta(minutes=6), True, id="six-minutes-ahead-is-dead-lettered"),
    ],
)
def test_future_occurred_at_is_dead_lettered_beyond_five_minutes(
    api: Api, token: str, order: dict, ahead: timedelta, dead_lettered: bool
) -> None:
    code = order["tickets"][0]["code"]
    record = sqs_record(report(code, "DONE", occurred_at=(datetime.now(UTC) + ahead).isoformat()))

    result = consume_status_events(sqs_event(record), None)

    assert result == {"batchItemFailures": []}
    assert len(drain(DEAD_LETTERS)) == (1 if dead_lettered else 0)
    assert api.order_detail(token, order["order_id"])["tickets"][0]["status"] == ("NEW" if dead_lettered else "DONE")


def test_dead_letter_keeps_the_original_string_attributes_only(queues: None) -> None:
    record = sqs_record(
        "garbage",
        attributes={
            "sender": string_attribute("lab-system"),
            "trace": {"stringValue": "t-1", "dataType": "String.trace"},
            "priority": {"stringValue": "5", "dataType": "Number"},
            "blob": {"binaryValue": "AAEC", "dataType": "Binary"},
        },
    )

    consume_status_events(sqs_event(record), None)

    [dead] = drain(DEAD_LETTERS)
    attributes = attributes_of(dead)
    assert set(attributes) == {"sender", "trace", "dead_letter_reason", "source_message_id"}
    assert (attributes["sender"], attributes["trace"]) == ("lab-system", "t-1")


def test_dead_letter_keeps_within_sqs_ten_message_attributes(queues: None) -> None:
    """SQS refuses a message with more than 10 attributes: a dead letter must stay within them."""
    record = sqs_record("garbage", attributes={f"a{n}": string_attribute(str(n)) for n in range(10)})

    result = consume_status_events(sqs_event(record), None)

    assert result == {"batchItemFailures": []}
    [dead] = drain(DEAD_LETTERS)
    attributes = attributes_of(dead)
    assert len(attributes) <= 10
    assert attributes["dead_letter_reason"].startswith("invalid status event: ")
    assert attributes["source_message_id"] == record["messageId"]


# --- transient failures ----------------------------------------------------------------------------


def test_unknown_ticket_is_retried_and_its_failure_record_follows_each_receive(queues: None) -> None:
    record = sqs_record(report(UNKNOWN_TICKET, "DONE"), receive_count=1)
    again = {**record, "attributes": {**record["attributes"], "ApproximateReceiveCount": "4"}}

    first = consume_status_events(sqs_event(record), None)
    assert (failure_record(record["messageId"]).attempts, failure_record(record["messageId"]).reason) == (
        1,
        f"ticket {UNKNOWN_TICKET} is not known",
    )
    second = consume_status_events(sqs_event(again), None)

    assert first == second == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
    assert failure_record(record["messageId"]).attempts == 4
    assert drain(DEAD_LETTERS) == []


def test_every_record_failing_still_answers_with_each_of_them(queues: None) -> None:
    records = [sqs_record(report(str(uuid.uuid4()), "DONE")) for _ in range(3)]

    result = consume_status_events(sqs_event(*records), None)

    assert result == {"batchItemFailures": [{"itemIdentifier": record["messageId"]} for record in records]}


def test_ticket_created_after_its_first_report_takes_the_redelivery(
    api: Api, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = sqs_record(report(UNKNOWN_TICKET, "DONE", event_id="early-bird"))
    redelivered = {**record, "attributes": {**record["attributes"], "ApproximateReceiveCount": "2"}}

    first = consume_status_events(sqs_event(record), None)
    monkeypatch.setattr(services, "uuid", SimpleNamespace(uuid4=lambda: uuid.UUID(UNKNOWN_TICKET)))
    order = api.create_order(token, tickets=1)
    monkeypatch.undo()
    second = consume_status_events(sqs_event(redelivered), None)

    assert first == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
    assert second == {"batchItemFailures": []}
    assert order["tickets"][0]["code"] == UNKNOWN_TICKET
    assert histories(api, token, order["order_id"]) == [[("NEW", "DONE", "sqs", "early-bird")]]
    assert drain(DEAD_LETTERS) == []


def throttled(**_: object) -> None:
    raise ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "Rate of requests exceeds."}},
        "TransactWriteItems",
    )


def test_dynamodb_failure_is_transient_not_dead_lettered(
    api: Api, token: str, order: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = order["tickets"][0]["code"]
    monkeypatch.setattr(ticket_status_events, "ticket_change_status", throttled)
    failing = sqs_record(report(code, "DONE", event_id="busy-1"), receive_count=2)
    garbage = sqs_record("{")

    result = consume_status_events(sqs_event(failing, garbage), None)

    assert result == {"batchItemFailures": [{"itemIdentifier": failing["messageId"]}]}
    assert [attributes_of(message)["source_message_id"] for message in drain(DEAD_LETTERS)] == [garbage["messageId"]]
    failure = failure_record(failing["messageId"])
    assert failure.reason == (
        "ClientError: An error occurred (ProvisionedThroughputExceededException) when calling the "
        "TransactWriteItems operation: Rate of requests exceeds."
    )
    assert failure.attempts == 2
    monkeypatch.undo()
    assert api.order_detail(token, order["order_id"])["tickets"][0]["status"] == "NEW"


def test_dead_letter_queue_unreachable_leaves_the_message_to_be_retried(
    queues: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(*_: object, **__: object) -> str:
        raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "down"}}, "SendMessage")

    monkeypatch.setattr(ticket_status_events, "send_message", unreachable)
    record = sqs_record("garbage")

    result = consume_status_events(sqs_event(record), None)

    assert result == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
    monkeypatch.undo()
    assert drain(DEAD_LETTERS) == []


# --- through the Chalice handler -------------------------------------------------------------------


def test_chalice_handler_processes_the_batch_and_answers_with_its_failures(api: Api, token: str, order: dict) -> None:
    first, second = (ticket["code"] for ticket in order["tickets"])
    records = [
        sqs_record(report(first, "IN_PROGRESS", event_id="h-1")),
        sqs_record(report(UNKNOWN_TICKET, "DONE")),
        sqs_record("not json"),
        sqs_record(report(second, "DONE")),
    ]

    result = app.handler_map["ticket_status_events"](sqs_event(*records), None)

    assert result == {"batchItemFailures": [{"itemIdentifier": records[1]["messageId"]}]}
    assert histories(api, token, order["order_id"]) == [
        [("NEW", "IN_PROGRESS", "sqs", "h-1")],
        [("NEW", "DONE", "sqs", records[3]["messageId"])],
    ]
    assert [attributes_of(message)["source_message_id"] for message in drain(DEAD_LETTERS)] == [records[2]["messageId"]]
    assert api.order_detail(token, order["order_id"])["status"] == "PROCESSING"


def test_handler_is_registered_on_the_stage_queue_in_batches_of_ten() -> None:
    [source] = [source for source in app.event_sources if getattr(source, "name", None) == "ticket_status_events"]

    assert (source.queue, source.batch_size) == (QUEUE, 10)


def test_a_programming_error_is_logged_as_an_error_with_its_traceback_and_retried(
    order: dict, monkeypatch: pytest.MonkeyPatch, log_records: Callable[[], list[dict]]
) -> None:
    def broken(**_: object) -> None:
        raise KeyError("status")

    monkeypatch.setattr(ticket_status_events, "ticket_change_status", broken)
    failing = sqs_record(report(order["tickets"][0]["code"], "DONE", event_id="bug-1"))

    result = consume_status_events(sqs_event(failing), None)

    assert result == {"batchItemFailures": [{"itemIdentifier": failing["messageId"]}]}
    [error] = [record for record in log_records() if record["level"] == "ERROR"]
    assert error["message"] == "status event failed unexpectedly"
    assert "KeyError" in error["exception"]
    assert drain(DEAD_LETTERS) == []


def test_a_transient_storage_failure_is_a_warning_only(
    order: dict, monkeypatch: pytest.MonkeyPatch, log_records: Callable[[], list[dict]]
) -> None:
    monkeypatch.setattr(ticket_status_events, "ticket_change_status", throttled)
    failing = sqs_record(report(order["tickets"][0]["code"], "DONE", event_id="busy-2"))

    consume_status_events(sqs_event(failing), None)

    levels = [record["level"] for record in log_records()]
    assert "ERROR" not in levels
    assert "WARNING" in levels
