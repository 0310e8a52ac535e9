"""Injected faults: throttling and transaction conflicts from DynamoDB, SQS
send failures. The API answers 503 with Retry-After or succeeds after the
SDK's retries, never 500; no order is half-written; every status event is
eventually applied or sits in the DLQ with its reason."""

import json
import uuid

import pytest

from chalicelib.orders.models import OrdersTableItem
from chalicelib.orders.ticket_status_events import REASON_ATTRIBUTE, consume_status_events
from chalicelib.queues import TICKET_STATUS_EVENTS, dead_letter_queue, queue_url, sqs_client
from chalicelib.storage import MAX_RETRY_ATTEMPTS
from tests.support.faults import THROTTLED, Fault, faults
from tests.unit.conftest import Api

pytestmark = pytest.mark.usefixtures("no_backoff_sleep")
ORDER = {"customer_name": "Ann", "customer_phone": "+1 555 0100", "tickets": [{"product_codes": ["A"]}] * 3}


def throttled(operation: str, times: int) -> Fault:
    return Fault("dynamodb", operation, *THROTTLED, times=times)


def conflicted(operation: str, times: int, items: int) -> Fault:
    reasons = [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}] + [
        {"Code": "None"}
    ] * (items - 1)
    return Fault(
        "dynamodb",
        operation,
        "TransactionCanceledException",
        "Transaction cancelled",
        times,
        cancellation_reasons=reasons,
    )


def order_items() -> list[object]:
    return list(OrdersTableItem.scan())


def test_throttling_within_the_sdk_retries_is_invisible(api: Api, token: str) -> None:
    with faults(throttled("TransactWriteItems", times=MAX_RETRY_ATTEMPTS)) as (fault,):
        response = api.post("/api/orders/create/", ORDER, token=token)
    assert fault.sent == MAX_RETRY_ATTEMPTS
    assert response.status_code == 201
    assert len(order_items()) == 4


@pytest.mark.parametrize(
    ("operation", "method", "path"),
    [
        ("TransactWriteItems", "post", "/api/orders/create/"),
        ("GetItem", "get", "/api/orders/"),
        ("Query", "get", "/api/orders/"),
        ("PutItem", "post", "/api/users/register/"),
    ],
)
def test_throttling_beyond_the_retries_is_a_503_with_retry_after(
    api: Api, token: str, operation: str, method: str, path: str
) -> None:
    body = {"email": f"{uuid.uuid4().hex[:8]}@example.com", "password": "correct horse battery"}
    with faults(throttled(operation, times=MAX_RETRY_ATTEMPTS + 1)) as (fault,):
        if method == "post":
            response = api.post(path, ORDER if "orders" in path else body, token=token)
        else:
            response = api.get(path, token=token)
    assert fault.sent == MAX_RETRY_ATTEMPTS + 1
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
    assert set(response.json_body) == {"detail"}


def test_a_throttled_order_is_not_half_written(api: Api, token: str) -> None:
    with faults(throttled("TransactWriteItems", times=MAX_RETRY_ATTEMPTS + 1)):
        assert api.post("/api/orders/create/", ORDER, token=token).status_code == 503
    assert order_items() == []
    assert api.get("/api/orders/", token=token).json_body["results"] == []


def test_a_transaction_conflict_on_create_is_a_503_and_writes_nothing(api: Api, token: str) -> None:
    with faults(conflicted("TransactWriteItems", times=1, items=4)):
        response = api.post("/api/orders/create/", ORDER, token=token)
    assert response.status_code == 503
    assert "Retry-After" in response.headers
    assert order_items() == []


def test_a_status_update_rides_out_transaction_conflicts(api: Api, token: str) -> None:
    code = api.post("/api/orders/create/", ORDER, token=token).json_body["tickets"][0]["code"]
    with faults(conflicted("TransactWriteItems", times=2, items=3)) as (fault,):
        response = api.post(f"/api/orders/tickets/{code}/update-status/", {"status": "DONE"})
    assert fault.sent == 2
    assert (response.status_code, response.json_body["outcome"]) == (200, "applied")


def test_endless_transaction_conflicts_on_a_status_update_are_a_503(api: Api, token: str) -> None:
    order = api.post("/api/orders/create/", ORDER, token=token).json_body
    code = order["tickets"][0]["code"]
    with faults(conflicted("TransactWriteItems", times=100, items=3)):
        response = api.post(f"/api/orders/tickets/{code}/update-status/", {"status": "DONE"})
    assert response.status_code == 503
    detail = api.get(f"/api/orders/{order['order_id']}/", token=token).json_body
    assert [ticket["status"] for ticket in detail["tickets"]] == ["NEW", "NEW", "NEW"]


def sqs_event(*bodies: str) -> dict:
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "handle",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:catalyst-test-ticket-status-events",
                "awsRegion": "us-east-1",
            }
            for body in bodies
        ]
    }


def dead_letters() -> list[dict]:
    url = queue_url(dead_letter_queue(TICKET_STATUS_EVENTS))
    return (
        sqs_client()
        .receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
        .get("Messages", [])
    )


@pytest.mark.usefixtures("queues")
def test_a_failed_dead_letter_send_is_retried_not_lost(api: Api, token: str) -> None:
    code = api.post("/api/orders/create/", ORDER, token=token).json_body["tickets"][0]["code"]
    event = sqs_event("not json", json.dumps({"ticket_code": code, "status": "DONE"}))
    garbage_id = event["Records"][0]["messageId"]
    with faults(Fault("sqs", "SendMessage", "InternalError", "try later", times=100, status=500)):
        first = consume_status_events(event, None)
    assert first == {"batchItemFailures": [{"itemIdentifier": garbage_id}]}
    assert dead_letters() == []

    second = consume_status_events({"Records": [event["Records"][0]]}, None)

    assert second == {"batchItemFailures": []}
    (dead,) = dead_letters()
    assert dead["Body"] == "not json"
    assert "invalid status event" in dead["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"]


@pytest.mark.usefixtures("queues")
def test_a_throttled_status_event_is_retried_then_applied(api: Api, token: str) -> None:
    order = api.post("/api/orders/create/", ORDER, token=token).json_body
    code = order["tickets"][0]["code"]
    event = sqs_event(json.dumps({"ticket_code": code, "status": "DONE", "event_id": "wms-1"}))
    with faults(throttled("TransactWriteItems", times=MAX_RETRY_ATTEMPTS + 1)):
        first = consume_status_events(event, None)
    assert first == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}

    second = consume_status_events(event, None)

    assert second == {"batchItemFailures": []}
    detail = api.get(f"/api/orders/{order['order_id']}/", token=token).json_body
    assert detail["tickets"][0]["status"] == "DONE"
    assert [change["event_id"] for change in detail["tickets"][0]["history"]] == ["wms-1"]
