"""DynamoDB calls, items and capacity of each operation, and what a million
orders would cost on AWS.

The app runs in this process against the emulator: HTTP routes through
chalice.test.Client, the status-events consumer through the runner's own
SqsPoller (a Lambda-shaped event), and the orders-table stream handler
through its DynamoDBStreamPoller, so each operation's follow-up work in the
stream handler is measured too. bench.dynamodb_capacity records every call.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from chalice.test import Client

from app import app
from bench.dynamodb_capacity import CapacityRecorder, CostLog
from bench.local_stack import STAGE, app_pollers
from chalicelib.orders.models import OrdersTableItem
from chalicelib.queues import TICKET_STATUS_EVENTS, queue_url
from infra.local.event_sources import DynamoDBStreamPoller, SqsPoller

PASSWORD = "correct horse battery"  # noqa: S105 (a benchmark user's)
ORDER = {"customer_name": "John Doe", "customer_phone": "+1234567890"}
LIST_PAGE = 20

# us-east-1, on-demand, US$ per million requests (DynamoDB: after the November 2024 price cut).
PRICE_PER_MILLION = {
    "DynamoDB write request unit": 0.625,
    "DynamoDB read request unit": 0.125,
    "SQS request": 0.40,
    "Lambda request": 0.20,
    "API Gateway request (REST)": 3.50,
}


@dataclass
class OperationCost:
    name: str
    log: CostLog
    lambda_invocations: float
    api_requests: int

    @property
    def calls(self) -> str:
        return ", ".join(f"{count} {operation}" for operation, count in sorted(self.log.operations.items())) or "none"

    @property
    def sqs_sends(self) -> int:
        return self.log.sqs_calls["SendMessage"] + self.log.sqs_calls["SendMessageBatch"]

    @property
    def read_units(self) -> float:
        return self.log.total("read_units")

    @property
    def write_units(self) -> float:
        """Base table and index writes together: both are billed."""
        return self.log.total("write_units") + self.log.total("index_write_units")


@dataclass(frozen=True)
class LifecycleStep:
    operation: str
    times: float
    # SQS requests besides the app's own sends: an integrator's send and Lambda's receive and delete.
    extra_sqs_requests: float = 0.0


def lifecycle(batch_size: int) -> list[LifecycleStep]:
    """One order's life, as assumed for the cost estimate."""
    transport = 1 + 2 / batch_size  # one SendMessage each; ReceiveMessage and DeleteMessageBatch per batch
    return [
        LifecycleStep("create order, 1 ticket", 1),
        LifecycleStep("stream handler after create order, 1 ticket", 1),
        LifecycleStep("status update via SQS", 2, extra_sqs_requests=2 * transport),
        LifecycleStep("stream handler after a status update", 2),
        LifecycleStep("order detail, 1 ticket", 2),
        LifecycleStep("list page of 20 orders", 1),
    ]


@dataclass
class CostEstimate:
    steps: list[LifecycleStep]
    per_order: dict[str, float]
    prices: dict[str, float]

    @property
    def per_million_orders(self) -> dict[str, float]:
        return {name: count * self.prices[name] for name, count in self.per_order.items()}


def estimate(operations: list[OperationCost], batch_size: int) -> CostEstimate:
    by_name = {operation.name: operation for operation in operations}
    steps = lifecycle(batch_size)
    per_order = dict.fromkeys(PRICE_PER_MILLION, 0.0)
    for step in steps:
        operation = by_name[step.operation]
        per_order["DynamoDB write request unit"] += step.times * operation.write_units
        per_order["DynamoDB read request unit"] += step.times * operation.read_units
        per_order["SQS request"] += step.times * operation.sqs_sends + step.extra_sqs_requests
        per_order["Lambda request"] += step.times * operation.lambda_invocations
        per_order["API Gateway request (REST)"] += step.times * operation.api_requests
    return CostEstimate(steps=steps, per_order=per_order, prices=PRICE_PER_MILLION)


class _Api:
    def __init__(self, client: Client) -> None:
        self.http = client.http
        self.token = ""

    def post(self, path: str, body: dict[str, Any]) -> Any:
        headers = {"Content-Type": "application/json", "Authorization": f"Token {self.token}"}
        response = self.http.post(path, headers=headers, body=json.dumps(body))
        assert response.status_code in (200, 201), response.body
        return response.json_body

    def get(self, path: str, expected_status: int = 200) -> Any:
        response = self.http.get(path, headers={"Authorization": f"Token {self.token}"})
        assert response.status_code == expected_status, response.body
        return response.json_body

    def create_order(self, tickets: int) -> dict[str, Any]:
        return self.post("/api/orders/create/", {**ORDER, "tickets": [{"product_codes": ["PROD-A1"]}] * tickets})


def measure(recorder: CapacityRecorder) -> tuple[list[OperationCost], CostEstimate]:
    pollers = app_pollers()
    consumer = pollers["ticket_status_events"]
    assert isinstance(consumer, SqsPoller)
    deployed_stream = pollers["order_events"]
    stream = DynamoDBStreamPoller(
        deployed_stream.function,
        streams=boto3.client("dynamodbstreams"),
        stream_arn=OrdersTableItem.describe_table()["LatestStreamArn"],
        starting_position="TRIM_HORIZON",
        batch_size=deployed_stream.batch_size,
        # An operation's records are all there when it returns: a window would only wait.
        batching_window_seconds=0,
    )
    sqs = boto3.client("sqs")
    results: list[OperationCost] = []

    def record(name: str, action: Callable[[], Any], *, lambda_invocations: float = 1, api_requests: int = 1) -> Any:
        """Run an operation under a recording; by default an API call: one request, one invocation."""
        with recorder.recording() as log:
            result = action()
        results.append(OperationCost(name, log, lambda_invocations=lambda_invocations, api_requests=api_requests))
        return result

    def drain_stream() -> int:
        before = stream.invocations
        while stream.poll_once():
            pass
        return stream.invocations - before

    def record_stream(name: str) -> None:
        with recorder.recording() as log:
            invocations = drain_stream()
        results.append(OperationCost(name, log, lambda_invocations=invocations, api_requests=0))

    def consume_one_event() -> None:
        while not consumer.poll_once():
            pass

    with Client(app, stage_name=STAGE) as client:
        api = _Api(client)
        credentials = {"email": "cost@example.com", "password": PASSWORD}
        api.token = record("register", lambda: api.post("/api/users/register/", credentials))["token"]
        record("login", lambda: api.post("/api/users/login/", credentials))
        record("token check alone", lambda: api.get("/api/orders/not-an-id/", expected_status=404))
        drain_stream()
        one_ticket = record("create order, 1 ticket", lambda: api.create_order(1))
        record_stream("stream handler after create order, 1 ticket")
        record("create order, 10 tickets", lambda: api.create_order(10))
        many_tickets = record("create order, 99 tickets", lambda: api.create_order(99))
        record("order detail, 1 ticket", lambda: api.get(f"/api/orders/{one_ticket['order_id']}/"))
        record("order detail, 99 tickets", lambda: api.get(f"/api/orders/{many_tickets['order_id']}/"))
        for _ in range(LIST_PAGE):
            api.create_order(1)
        record("list page of 20 orders", lambda: api.get(f"/api/orders/?limit={LIST_PAGE}"))

        by_http, by_sqs = api.create_order(1), api.create_order(1)
        drain_stream()
        http_code = by_http["tickets"][0]["code"]
        record(
            "status update via HTTP",
            lambda: api.post(f"/api/orders/tickets/{http_code}/update-status/", {"status": "DONE"}),
        )
        record_stream("stream handler after a status update")
        # The integrator's send is not the app's; the cost estimate counts it apart.
        event = {"ticket_code": by_sqs["tickets"][0]["code"], "status": "DONE"}
        sqs.send_message(QueueUrl=queue_url(TICKET_STATUS_EVENTS), MessageBody=json.dumps(event))
        record(
            "status update via SQS",
            consume_one_event,
            # A full batch shares one invocation.
            lambda_invocations=1 / consumer.batch_size,
            api_requests=0,
        )
    return results, estimate(results, consumer.batch_size)
