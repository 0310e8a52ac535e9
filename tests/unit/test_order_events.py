"""Outbound order events: Lambda-shaped DynamoDB stream records built from real items, over moto."""

import itertools
import json
import uuid
from datetime import datetime
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from app import app
from chalicelib import queues
from chalicelib.integrators.services import integrator_create
from chalicelib.orders.models import OrderRecord, order_partition
from chalicelib.orders.order_events import events_for_record
from chalicelib.orders.orders_stream import handle_orders_stream
from chalicelib.storage import MAX_RETRY_ATTEMPTS
from tests.support.aws_calls import recorded_dynamodb_calls, recorded_sqs_calls
from tests.support.faults import Fault, faults
from tests.support.integrators import signed_headers
from tests.support.metrics import metric_points
from tests.unit.conftest import Api

pytestmark = pytest.mark.usefixtures("queues")
TABLE = "catalyst-test-orders"
ORDER_EVENTS = "catalyst-test-order-events"
STREAM_ARN = f"arn:aws:dynamodb:us-east-1:123456789012:table/{TABLE}/stream/2026-03-01T00:00:00.000"
UPDATE = "/api/orders/tickets/{code}/update-status/"

_sequence = itertools.count(100_000_000_000_000_000_000)


def dynamodb() -> object:
    return boto3.client("dynamodb", region_name="us-east-1")


def raw_item(pk: str, sk: str) -> dict:
    """The item as DynamoDB stores it (and as the stream carries it)."""
    item = dynamodb().get_item(TableName=TABLE, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True)
    return item["Item"]


def raw_order(order_id: int) -> dict:
    return raw_item(order_partition(order_id), "ORDER")


def raw_ticket(order_id: int, code: str) -> dict:
    return raw_item(order_partition(order_id), f"TICKET#{code}")


def stream_record(old: dict | None, new: dict | None, *, event_id: str | None = None) -> dict:
    """One record as Lambda hands it over from a NEW_AND_OLD_IMAGES stream."""
    item = new or old
    assert item is not None
    event_name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
    body: dict = {
        "ApproximateCreationDateTime": 1772366400.0,
        "Keys": {"pk": item["pk"], "sk": item["sk"]},
        "SequenceNumber": str(next(_sequence)),
        "SizeBytes": 512,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if old is not None:
        body["OldImage"] = old
    if new is not None:
        body["NewImage"] = new
    return {
        "eventID": event_id or uuid.uuid4().hex,
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": body,
        "eventSourceARN": STREAM_ARN,
    }


def stream_event(*records: dict) -> dict:
    return {"Records": list(records)}


def events_of(record: dict) -> list[dict]:
    return events_for_record(DynamoDBRecord(record))


def sequence_number(record: dict) -> str:
    return record["dynamodb"]["SequenceNumber"]


def published() -> list[dict]:
    """Every message now on the order-events queue: its JSON body and its type attribute."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=ORDER_EVENTS)["QueueUrl"]
    messages: list[dict] = []
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
    ).get("Messages", []):
        for message in batch:
            body = json.loads(message["Body"])
            assert message["MessageAttributes"] == {"type": {"StringValue": body["type"], "DataType": "String"}}
            messages.append(body)
    return messages


def correlation_id_of_the_last_report(capsys: pytest.CaptureFixture[str]) -> str:
    """The correlation id that the last status report's metric document quotes."""
    [*_, report] = [point for point in metric_points(capsys.readouterr().out) if point.name == "StatusReports"]
    return report.document["correlation_id"]


def set_status(api: Api, code: str, status: str) -> None:
    response = api.post(UPDATE.format(code=code), {"status": status})
    assert response.status_code == 200, response.json_body
    assert response.json_body["outcome"] == "applied"


def ticket_updated_at(api: Api, token: str, order_id: int, code: str) -> str:
    detail = api.get(f"/api/orders/{order_id}/", token=token).json_body
    return next(ticket["updated_at"] for ticket in detail["tickets"] if ticket["code"] == code)


def same_moment(left: str, right: str) -> bool:
    return datetime.fromisoformat(left) == datetime.fromisoformat(right)


@pytest.fixture
def order(api: Api, token: str) -> dict:
    return api.create_order(token, tickets=2)


# --- which records become which events -------------------------------------------------------------


def test_ticket_status_change_is_one_ticket_event(
    api: Api, token: str, order: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    order_id, code = order["order_id"], order["tickets"][0]["code"]
    before = raw_ticket(order_id, code)
    set_status(api, code, "IN_PROGRESS")
    correlation_id = correlation_id_of_the_last_report(capsys)
    record = stream_record(before, raw_ticket(order_id, code), event_id="stream-evt-1")

    [event] = events_of(record)

    changed_at = event.pop("changed_at")
    assert event == {
        "event_id": "stream-evt-1",
        "type": "ticket.status_changed",
        "order_id": order_id,
        "ticket_code": code,
        "from_status": "NEW",
        "to_status": "IN_PROGRESS",
        "source": "api",
        "integrator": None,
        "correlation_id": correlation_id,
    }
    assert same_moment(changed_at, ticket_updated_at(api, token, order_id, code))


def test_a_signed_change_names_its_integrator_in_the_event(api: Api, order: dict) -> None:
    order_id, code = order["order_id"], order["tickets"][0]["code"]
    acme = integrator_create(name="acme")
    before = raw_ticket(order_id, code)
    body = b'{"status": "DONE"}'
    headers = signed_headers(key_id=acme.key_id, secret=acme.secret, code=code, body=body)
    assert api.client.http.post(UPDATE.format(code=code), headers=headers, body=body).status_code == 200

    [event] = events_of(stream_record(before, raw_ticket(order_id, code)))

    assert (event["source"], event["integrator"], event["to_status"]) == ("integrator", "acme", "DONE")


def test_ticket_write_without_a_status_change_is_no_event(api: Api, token: str, order: dict) -> None:
    order_id, code = order["order_id"], order["tickets"][0]["code"]
    set_status(api, code, "DONE")
    before = raw_ticket(order_id, code)
    response = api.post(UPDATE.format(code=code), {"status": "DONE"})
    after = raw_ticket(order_id, code)

    assert response.json_body["outcome"] == "unchanged"
    assert after["version"] != before["version"]
    assert events_of(stream_record(before, after)) == []


def test_order_event_only_when_its_derived_status_changes(api: Api, token: str, order: dict) -> None:
    order_id = order["order_id"]
    first, second = (ticket["code"] for ticket in order["tickets"])
    snapshots = [raw_order(order_id)]
    for code, status in [(first, "IN_PROGRESS"), (second, "IN_PROGRESS"), (first, "DONE"), (second, "DONE")]:
        set_status(api, code, status)
        snapshots.append(raw_order(order_id))

    transitions = [
        [(event["type"], event["from_status"], event["to_status"]) for event in events_of(stream_record(old, new))]
        for old, new in itertools.pairwise(snapshots)
    ]

    assert transitions == [
        [("order.status_changed", "PENDING", "PROCESSING")],
        [],
        [],
        [("order.status_changed", "PROCESSING", "COMPLETED")],
    ]


def test_order_event_carries_the_order_and_the_records_event_id(
    api: Api, token: str, order: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    order_id = order["order_id"]
    before = raw_order(order_id)
    set_status(api, order["tickets"][0]["code"], "ERROR")
    correlation_id = correlation_id_of_the_last_report(capsys)
    after = raw_order(order_id)

    [event] = events_of(stream_record(before, after, event_id="stream-evt-9"))

    assert event == {
        "event_id": "stream-evt-9",
        "type": "order.status_changed",
        "order_id": order_id,
        "from_status": "PENDING",
        "to_status": "PROCESSING",
        "changed_at": OrderRecord.from_raw_data(after).updated_at.isoformat(),
        "correlation_id": correlation_id,
    }
    assert datetime.fromisoformat(event["changed_at"]) > datetime.fromisoformat(order["updated_at"])


def test_new_order_is_an_order_event_from_null_to_pending(capsys: pytest.CaptureFixture[str], order: dict) -> None:
    [created] = [point for point in metric_points(capsys.readouterr().out) if point.name == "OrdersCreated"]
    record = stream_record(None, raw_order(order["order_id"]), event_id="stream-insert")

    [event] = events_of(record)

    assert event == {
        "event_id": "stream-insert",
        "type": "order.status_changed",
        "order_id": order["order_id"],
        "from_status": None,
        "to_status": "PENDING",
        "changed_at": OrderRecord.from_raw_data(raw_order(order["order_id"])).updated_at.isoformat(),
        "correlation_id": created.document["correlation_id"],
    }
    assert same_moment(event["changed_at"], order["created_at"])


def test_a_new_ticket_is_announced_by_its_orders_event_alone(order: dict) -> None:
    code = order["tickets"][1]["code"]

    assert events_of(stream_record(None, raw_ticket(order["order_id"], code))) == []


def test_cancellation_is_an_order_event_to_cancelled(api: Api, token: str, order: dict) -> None:
    order_id = order["order_id"]
    before = raw_order(order_id)
    assert api.post(f"/api/orders/{order_id}/cancel/", token=token).status_code == 200

    [event] = events_of(stream_record(before, raw_order(order_id)))

    assert (event["type"], event["from_status"], event["to_status"]) == ("order.status_changed", "PENDING", "CANCELLED")


def test_ticket_change_after_cancellation_is_a_ticket_event_only(api: Api, token: str, order: dict) -> None:
    order_id, code = order["order_id"], order["tickets"][0]["code"]
    assert api.post(f"/api/orders/{order_id}/cancel/", token=token).status_code == 200
    order_before, ticket_before = raw_order(order_id), raw_ticket(order_id, code)
    set_status(api, code, "DONE")

    events_of_the_order = events_of(stream_record(order_before, raw_order(order_id)))
    ticket_events = events_of(stream_record(ticket_before, raw_ticket(order_id, code)))

    assert events_of_the_order == []
    assert [(event["from_status"], event["to_status"]) for event in ticket_events] == [("NEW", "DONE")]


def test_unchanged_and_removed_items_are_no_events(api: Api, token: str, order: dict) -> None:
    order_id, code = order["order_id"], order["tickets"][0]["code"]
    set_status(api, code, "DONE")
    ticket = raw_ticket(order_id, code)

    records = [
        stream_record(ticket, ticket),
        stream_record(ticket, None),
        stream_record(raw_order(order_id), None),
    ]

    assert [events_of(record) for record in records] == [[], [], []]


# --- publishing ------------------------------------------------------------------------------------


def test_one_commit_publishes_its_ticket_and_order_events(api: Api, token: str, order: dict) -> None:
    """A status change commits the ticket (with its history) and the order's counts: two stream records."""
    order_id, code = order["order_id"], order["tickets"][0]["code"]
    ticket_before, order_before = raw_ticket(order_id, code), raw_order(order_id)
    set_status(api, code, "IN_PROGRESS")
    records = [
        stream_record(ticket_before, raw_ticket(order_id, code), event_id="e-ticket"),
        stream_record(order_before, raw_order(order_id), event_id="e-order"),
    ]

    result = handle_orders_stream(stream_event(*records), None)

    assert result == {"batchItemFailures": []}
    messages = published()
    assert [(m["event_id"], m["type"], m["from_status"], m["to_status"]) for m in messages] == [
        ("e-ticket", "ticket.status_changed", "NEW", "IN_PROGRESS"),
        ("e-order", "order.status_changed", "PENDING", "PROCESSING"),
    ]
    assert messages == [*events_of(records[0]), *events_of(records[1])]


def test_the_change_writes_the_stored_status_and_publishing_leaves_it(api: Api, token: str, order: dict) -> None:
    order_id = order["order_id"]
    before = raw_order(order_id)
    set_status(api, order["tickets"][0]["code"], "DONE")
    after = raw_order(order_id)
    assert after["status"] == {"S": "PROCESSING"}

    with recorded_dynamodb_calls() as calls:
        assert handle_orders_stream(stream_event(stream_record(before, after)), None) == {"batchItemFailures": []}

    assert calls.counts == {}
    assert raw_order(order_id)["status"] == {"S": "PROCESSING"}
    assert [message["to_status"] for message in published()] == ["PROCESSING"]


def test_chalice_handler_publishes_the_batch(api: Api, token: str, order: dict) -> None:
    order_id = order["order_id"]
    record = stream_record(None, raw_order(order_id), event_id="via-chalice")

    result = app.handler_map["order_events"](stream_event(record), None)

    assert result == {"batchItemFailures": []}
    assert [(m["event_id"], m["to_status"]) for m in published()] == [("via-chalice", "PENDING")]


def test_a_batchs_events_go_out_together_ten_per_call(api: Api, token: str, order: dict) -> None:
    """Twelve records with an event each: two SendMessageBatch calls, every event once."""
    records = []
    for index in range(12):
        created = api.create_order(token, tickets=1)
        records.append(stream_record(None, raw_order(created["order_id"]), event_id=f"e-{index}"))

    with recorded_sqs_calls() as calls:
        result = handle_orders_stream(stream_event(*records), None)

    assert result == {"batchItemFailures": []}
    assert calls.counts == {"SendMessageBatch": 2}
    assert sorted(message["event_id"] for message in published()) == sorted(f"e-{index}" for index in range(12))


def test_sending_failing_once_after_the_commit_is_reported_and_published_on_retry(
    api: Api, token: str, order: dict
) -> None:
    order_id, code = order["order_id"], order["tickets"][0]["code"]
    before = raw_ticket(order_id, code)
    set_status(api, code, "DONE")
    record = stream_record(before, raw_ticket(order_id, code), event_id="committed-1")
    # Once more than the SDK retries, so that the call fails for the handler.
    unavailable = Fault("sqs", "SendMessageBatch", "ServiceUnavailable", "try later", times=1 + MAX_RETRY_ATTEMPTS)

    with faults(unavailable):
        first = handle_orders_stream(stream_event(record), None)
    after_first = published()
    second = handle_orders_stream(stream_event(record), None)

    assert first == {"batchItemFailures": [{"itemIdentifier": sequence_number(record)}]}
    assert after_first == []
    assert second == {"batchItemFailures": []}
    assert published() == events_of(record)
    assert [message["event_id"] for message in events_of(record)] == ["committed-1"]


class RefusingEntries:
    """An SQS client whose SendMessageBatch refuses the entries at some positions, as SQS
    does for one entry of a batch (its Failed list), and sends the others for real."""

    def __init__(self, real: Any, refused: set[int]) -> None:
        self.real = real
        self.refused = refused

    def send_message_batch(self, QueueUrl: str, Entries: list[dict]) -> dict:
        sent = [entry for position, entry in enumerate(Entries) if position not in self.refused]
        response = self.real.send_message_batch(QueueUrl=QueueUrl, Entries=sent) if sent else {}
        failed = [
            {"Id": entry["Id"], "SenderFault": False, "Code": "InternalError"}
            for position, entry in enumerate(Entries)
            if position in self.refused
        ]
        return {**response, "Failed": failed}

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


def test_a_refused_entry_fails_its_record_alone_and_every_event_is_published(
    api: Api, token: str, order: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lambda resumes a stream from the first failed record; the records before it are not
    delivered again, and those after it are (their events may be published twice)."""
    order_id, code = order["order_id"], order["tickets"][0]["code"]
    inserted = stream_record(None, raw_order(order_id), event_id="e-insert")
    ticket_before = raw_ticket(order_id, code)
    set_status(api, code, "IN_PROGRESS")
    changed = stream_record(ticket_before, raw_ticket(order_id, code), event_id="e-change")
    refusing = RefusingEntries(queues.sqs_client(), refused={1})
    monkeypatch.setattr(queues, "sqs_client", lambda: refusing)

    first = handle_orders_stream(stream_event(inserted, changed), None)
    monkeypatch.undo()
    retry = handle_orders_stream(stream_event(changed), None)

    assert first == {"batchItemFailures": [{"itemIdentifier": sequence_number(changed)}]}
    assert retry == {"batchItemFailures": []}
    assert sorted(message["event_id"] for message in published()) == ["e-change", "e-insert"]


def test_record_without_an_event_is_never_a_failure_and_sends_nothing(api: Api, token: str, order: dict) -> None:
    order_id, code = order["order_id"], order["tickets"][0]["code"]
    set_status(api, code, "DONE")
    ticket = raw_ticket(order_id, code)

    with recorded_sqs_calls() as calls:
        result = handle_orders_stream(stream_event(stream_record(ticket, ticket)), None)

    assert result == {"batchItemFailures": []}
    assert calls.calls == []
