"""Business metrics (EMF documents in the log) and correlation ids, from the
app's real entry points over moto: an order created through the API, status
reports through the SQS consumer, a stream batch through the stream handler;
and tracing, which only Lambda's runtime turns on."""

import json
import os
import socket
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app import app
from chalicelib.integrators.services import integrator_create
from chalicelib.observability import Metric, publish_metrics
from chalicelib.orders.models import OrderRecord, order_partition
from chalicelib.queues import MAX_RECEIVE_COUNT
from tests.support.accounts import EMAIL, make_account
from tests.support.integrators import signed_headers
from tests.support.metrics import MetricPoint, emf_documents, metric_points
from tests.unit.conftest import Api
from tests.unit.test_http_api_events import http_api_event
from tests.unit.test_order_events import published, raw_order, raw_ticket, stream_event, stream_record
from tests.unit.test_ticket_status_events import UNKNOWN_TICKET, report, sqs_event, sqs_record

pytestmark = pytest.mark.usefixtures("queues")
PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ORDER_BODY = {
    "customer_name": "Jane Roe",
    "customer_phone": "+1 555 0199",
    "tickets": [{"product_codes": ["A"]}, {"product_codes": ["B"]}, {"product_codes": ["C"]}],
}


def points(capsys: pytest.CaptureFixture[str], name: str) -> list[MetricPoint]:
    return [point for point in metric_points(capsys.readouterr().out) if point.name == name]


def post_event(path: str, *, token: str | None, request_id: str, body: object = None) -> dict:
    """The event of a POST to `path` as API Gateway sends it to the function, with its request id."""
    headers = {"Content-Type": "application/json", **({"Authorization": f"Token {token}"} if token else {})}
    event = http_api_event("POST", path, headers, json.dumps(body if body is not None else {}))
    event["requestContext"]["requestId"] = request_id
    return event


def call(path: str, *, token: str | None, request_id: str, body: object = None, status: int = 200) -> dict:
    """POST `path` through the function's entry point; its answer's body."""
    answer = app(post_event(path, token=token, request_id=request_id, body=body), None)
    assert answer["statusCode"] == status, answer
    return json.loads(answer["body"])


def create_order(token: str, request_id: str) -> dict:
    return call("/api/orders/create/", token=token, request_id=request_id, body=ORDER_BODY, status=201)


def test_an_order_created_publishes_one_order_and_its_tickets_under_the_request_id(
    capsys: pytest.CaptureFixture[str], token: str
) -> None:
    capsys.readouterr()
    request_id = str(uuid.uuid4())

    order = create_order(token, request_id)

    [document] = emf_documents(capsys.readouterr().out)
    directive = document["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "Catalyst"
    assert directive["Dimensions"] == [["stage"]]
    assert directive["Metrics"] == [
        {"Name": "OrdersCreated", "Unit": "Count"},
        {"Name": "TicketsPerOrder", "Unit": "Count"},
    ]
    assert (document["stage"], document["OrdersCreated"], document["TicketsPerOrder"]) == ("test", [1.0], [3.0])
    assert document["correlation_id"] == request_id
    # Nothing about the customer or the account.
    text = json.dumps(document)
    assert not any(private in text for private in (EMAIL, ORDER_BODY["customer_name"], ORDER_BODY["customer_phone"]))
    # The order keeps the id, and its stream record's event quotes it.
    assert OrderRecord.get(order_partition(order["order_id"]), "ORDER").correlation_id == request_id
    app.handler_map["order_events"](stream_event(stream_record(None, raw_order(order["order_id"]))), None)
    [event] = published()
    assert (event["type"], event["correlation_id"]) == ("order.status_changed", request_id)


def test_the_events_of_a_report_and_of_a_cancellation_quote_their_own_requests(token: str) -> None:
    first = create_order(token, "create-1")
    reported = call(
        f"/api/orders/tickets/{first['tickets'][0]['code']}/update-status/",
        token=None,
        request_id="report-1",
        body={"status": "DONE"},
    )
    second = create_order(token, "create-2")
    before = raw_order(second["order_id"])
    call(f"/api/orders/{second['order_id']}/cancel/", token=token, request_id="cancel-1")

    assert reported["outcome"] == "applied"
    stored = {
        OrderRecord.get(order_partition(first["order_id"]), "ORDER").correlation_id,
        OrderRecord.get(order_partition(second["order_id"]), "ORDER").correlation_id,
    }
    assert stored == {"report-1", "cancel-1"}
    app.handler_map["order_events"](stream_event(stream_record(before, raw_order(second["order_id"]))), None)
    [event] = published()
    assert (event["to_status"], event["correlation_id"]) == ("CANCELLED", "cancel-1")


def test_a_replayed_creation_publishes_nothing_more(capsys: pytest.CaptureFixture[str], api: Api, token: str) -> None:
    headers = {"Idempotency-Key": "create-once"}
    first = api.post("/api/orders/create/", ORDER_BODY, token=token, headers=headers)
    again = api.post("/api/orders/create/", ORDER_BODY, token=token, headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert [point.value for point in points(capsys, "OrdersCreated")] == [1.0]


def test_status_reports_through_sqs_by_outcome_and_source_and_dead_letters_by_reason(
    capsys: pytest.CaptureFixture[str], api: Api, token: str
) -> None:
    order = api.create_order(token, tickets=2)
    first, second = (ticket["code"] for ticket in order["tickets"])
    now = datetime.now(UTC)
    records = [
        sqs_record(report(first, "IN_PROGRESS", event_id="e-1", occurred_at=now.isoformat())),
        sqs_record(report(first, "IN_PROGRESS", event_id="e-1", occurred_at=now.isoformat())),  # duplicate
        sqs_record(report(first, "NEW", event_id="e-0", occurred_at=(now - timedelta(hours=1)).isoformat())),
        sqs_record(report(second, "NEW")),  # unchanged
        sqs_record("not json"),
        sqs_record(report(UNKNOWN_TICKET, "DONE"), receive_count=1),  # retried, not yet dead
        sqs_record(report(UNKNOWN_TICKET, "DONE"), receive_count=MAX_RECEIVE_COUNT),  # its last receive
    ]
    capsys.readouterr()

    result = app.handler_map["ticket_status_events"](sqs_event(*records), None)

    assert len(result["batchItemFailures"]) == 2
    out = capsys.readouterr().out
    reports = [point for point in metric_points(out) if point.name == "StatusReports"]
    assert [(point.dimensions, point.value) for point in reports] == [
        ({"stage": "test", "outcome": outcome, "source": "sqs"}, 1.0)
        for outcome in ("applied", "duplicate", "stale", "unchanged")
    ]
    assert {point.dimension_sets for point in reports} == {
        (("stage",), ("stage", "outcome"), ("stage", "source", "outcome"))
    }
    # Each report's document quotes its own message, which SendMessage told its sender.
    assert [point.document["correlation_id"] for point in reports] == [record["messageId"] for record in records[:4]]
    dead = [point for point in metric_points(out) if point.name == "DeadLetters"]
    assert [(point.dimension_sets, point.dimensions, point.value) for point in dead] == [
        ((("stage",), ("stage", "reason")), {"stage": "test", "reason": "invalid"}, 1.0),
        ((("stage",), ("stage", "reason")), {"stage": "test", "reason": "unknown_ticket"}, 1.0),
    ]


def test_a_signed_report_counts_under_its_integrator_and_the_admins_under_admin(
    capsys: pytest.CaptureFixture[str], api: Api, token: str
) -> None:
    staff_token = make_account("root@example.com", superuser=True).token
    order = api.create_order(token, tickets=2)
    first, second = (ticket["code"] for ticket in order["tickets"])
    acme = integrator_create(name="acme")
    body = b'{"status": "DONE"}'
    headers = signed_headers(key_id=acme.key_id, secret=acme.secret, code=first, body=body)
    capsys.readouterr()

    signed = api.client.http.post(f"/api/orders/tickets/{first}/update-status/", headers=headers, body=body)
    by_admin = api.post(f"/api/admin/tickets/{second}/status", {"status": "ERROR"}, token=staff_token)

    assert (signed.status_code, by_admin.status_code) == (200, 200), by_admin.json_body
    assert [point.dimensions for point in points(capsys, "StatusReports")] == [
        {"stage": "test", "outcome": "applied", "source": "integrator:acme"},
        {"stage": "test", "outcome": "applied", "source": "admin"},
    ]


def test_a_stream_batch_publishes_its_events_by_type_quoting_the_reports_message(
    capsys: pytest.CaptureFixture[str], api: Api, token: str
) -> None:
    order = api.create_order(token, tickets=1)
    code = order["tickets"][0]["code"]
    ticket_before, order_before = raw_ticket(order["order_id"], code), raw_order(order["order_id"])
    message = sqs_record(report(code, "DONE"))
    assert app.handler_map["ticket_status_events"](sqs_event(message), None) == {"batchItemFailures": []}
    records = [
        stream_record(ticket_before, raw_ticket(order["order_id"], code)),
        stream_record(order_before, raw_order(order["order_id"])),
    ]
    capsys.readouterr()

    result = app.handler_map["order_events"](stream_event(*records), None)

    assert result == {"batchItemFailures": []}
    assert [(point.dimensions, point.value) for point in points(capsys, "OrderEventsPublished")] == [
        ({"stage": "test", "type": "order.status_changed"}, 1.0),
        ({"stage": "test", "type": "ticket.status_changed"}, 1.0),
    ]
    assert {event["correlation_id"] for event in published()} == {message["messageId"]}


def test_login_failures_and_lockouts(capsys: pytest.CaptureFixture[str], api: Api, token: str) -> None:
    capsys.readouterr()
    answers = [
        api.post("/api/users/login/", {"email": EMAIL, "password": "wrong password!"}).status_code for _ in range(6)
    ]

    assert answers == [401] * 5 + [429]
    assert [point.value for point in points(capsys, "LoginFailures")] == [1.0] * 5
    capsys.readouterr()
    assert api.post("/api/users/login/", {"email": EMAIL, "password": "wrong password!"}).status_code == 429
    [lockout] = points(capsys, "LoginLockouts")
    assert (lockout.dimensions, lockout.value) == ({"stage": "test"}, 1.0)


def test_a_metric_published_without_its_breakdown_is_refused() -> None:
    with pytest.raises(ValueError, match="outcome"):
        publish_metrics({Metric.STATUS_REPORTS: 1}, source="api")
    with pytest.raises(ValueError, match="given"):
        publish_metrics({Metric.ORDERS_CREATED: 1}, customer="someone")


# --- tracing -------------------------------------------------------------------------------------

_INVOKE_TRACED = """
import json, sys
from moto import mock_aws
with mock_aws():
    import app
    from infra.local.bootstrap import create_tables
    from chalicelib.users.services import user_issue_token, user_register
    create_tables()
    token = user_issue_token(user=user_register(email="traced@example.com", password="correct horse battery"))
    event = json.loads(sys.stdin.read())
    event["headers"]["authorization"] = "Token " + token
    answer = app.app(event, None)
    print(json.dumps({"status": answer["statusCode"], "xray": "aws_xray_sdk" in sys.modules}))
"""


def _invoke(environment: dict[str, str], event: dict) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _INVOKE_TRACED],
        cwd=PROJECT_DIR,
        env=environment,
        input=json.dumps(event),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _create_event(request_id: str) -> dict:
    # The traced process adds its own user's token.
    return post_event("/api/orders/create/", token=None, request_id=request_id, body=ORDER_BODY)


def test_outside_lambda_nothing_traces_and_the_xray_sdk_is_never_imported() -> None:
    answer = _invoke({**os.environ, "POWERTOOLS_DEV": "false"}, _create_event("local-request"))

    assert answer == {"status": 201, "xray": False}


def test_on_lambda_the_request_and_its_dynamodb_calls_are_one_trace() -> None:
    trace_id = f"1-{int(datetime.now(UTC).timestamp()):08x}-{uuid.uuid4().hex[:24]}"
    request_id = str(uuid.uuid4())
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as daemon:
        daemon.bind(("127.0.0.1", 0))
        daemon.settimeout(5)
        environment = {
            **os.environ,
            "LAMBDA_TASK_ROOT": PROJECT_DIR,
            "AWS_LAMBDA_FUNCTION_NAME": "catalyst-test",
            "_X_AMZN_TRACE_ID": f"Root={trace_id};Parent={uuid.uuid4().hex[:16]};Sampled=1",
            "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{daemon.getsockname()[1]}",
        }

        answer = _invoke(environment, _create_event(request_id))

        segments = []
        try:
            while True:
                datagram = daemon.recv(65536).decode()
                segments.append(json.loads(datagram.split("\n", 1)[1]))
        except TimeoutError:
            pass
    assert answer == {"status": 201, "xray": True}
    assert {segment["trace_id"] for segment in segments} == {trace_id}
    [handler] = [segment for segment in segments if segment["name"] == "## POST /api/orders/create"]
    assert handler["annotations"]["correlation_id"] == request_id
    dynamodb = [segment for segment in segments if segment.get("namespace") == "aws" and segment["name"] == "dynamodb"]
    operations = {segment["aws"]["operation"] for segment in dynamodb if segment["parent_id"] == handler["id"]}
    assert {"GetItem", "TransactWriteItems"} <= operations
