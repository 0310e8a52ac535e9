"""DynamoDB calls, items and capacity of each operation, and what a million
orders would cost on AWS.

The app runs in this process against the emulator: HTTP routes through
chalice.test.Client, the status-events consumer through the runner's own
SqsPoller (a Lambda-shaped event), and the orders-table stream handler
through its DynamoDBStreamPoller, so each operation's follow-up work in the
stream handler is measured too. bench.dynamodb_capacity records every call.

An order's life is run for real, step by step, once with 1 ticket and once
with 10: create the order; move every ticket to IN_PROGRESS, then to DONE,
each by one status event through SQS; read the order twice; list one page of
20 orders. Each step is recorded, the stream handler's work after it too.
bench.pricing prices it.
"""

import itertools
import json
import secrets
from collections.abc import Callable
from typing import Any

import boto3
from chalice.test import Client

from app import app
from bench.dynamodb_capacity import CapacityRecorder
from bench.local_stack import STAGE, app_pollers
from bench.pricing import DETAIL_READS, LIFE_STATUSES, LIFE_TICKETS, LIST_PAGE, CostResults, Life, OperationCost
from chalicelib.orders.models import OrdersTableItem, order_partition, ticket_sort_key
from chalicelib.queues import TICKET_STATUS_EVENTS, queue_url
from chalicelib.users.legacy_tokens import legacy_token_digest
from chalicelib.users.models import UserRecord
from infra.local.event_sources import DynamoDBStreamPoller, SqsPoller

# A ticket moved back and forth, as an integrator retrying work would.
GROWTH_STATUSES = ("IN_PROGRESS", "DONE", "ERROR")
GROWTH_CHANGES = 7
PASSWORD = "correct horse battery"  # noqa: S105 (a benchmark user's)
ORDER = {"customer_name": "John Doe", "customer_phone": "+1234567890"}


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


class _Bench:
    """The app in this process, its consumer and stream handler, and the recorder."""

    def __init__(self, recorder: CapacityRecorder, client: Client) -> None:
        self.recorder = recorder
        self.api = _Api(client)
        pollers = app_pollers()
        consumer = pollers["ticket_status_events"]
        assert isinstance(consumer, SqsPoller)
        self.consumer = consumer
        deployed_stream = pollers["order_events"]
        self.stream = DynamoDBStreamPoller(
            deployed_stream.function,
            streams=boto3.client("dynamodbstreams"),
            stream_arn=OrdersTableItem.describe_table()["LatestStreamArn"],
            starting_position="TRIM_HORIZON",
            batch_size=deployed_stream.batch_size,
            # An operation's records are all there when it returns: a window would only wait.
            batching_window_seconds=0,
        )
        self.sqs = boto3.client("sqs")

    def record(
        self, name: str, action: Callable[[], Any], *, lambda_invocations: float = 1, api_requests: int = 1
    ) -> tuple[Any, OperationCost]:
        """Run an operation under a recording; by default an API call: one request, one invocation."""
        with self.recorder.recording() as log:
            result = action()
        return result, OperationCost(name, log, lambda_invocations=lambda_invocations, api_requests=api_requests)

    def drain_stream(self) -> int:
        before = self.stream.invocations
        while self.stream.poll_once():
            pass
        return self.stream.invocations - before

    def record_stream(self, name: str) -> OperationCost:
        with self.recorder.recording() as log:
            invocations = self.drain_stream()
        return OperationCost(name, log, lambda_invocations=invocations, api_requests=0)

    def status_event(self, code: str, status: str) -> OperationCost:
        """One status event through SQS, as an integrator sends it and the consumer takes it."""
        # The integrator's send is not the app's: it is counted apart, with Lambda's
        # receive and delete, which a full batch shares.
        body = json.dumps({"ticket_code": code, "status": status})
        self.sqs.send_message(QueueUrl=queue_url(TICKET_STATUS_EVENTS), MessageBody=body)

        def consume_one_event() -> None:
            while not self.consumer.poll_once():
                pass

        batch = self.consumer.batch_size
        _, cost = self.record("status update via SQS", consume_one_event, lambda_invocations=1 / batch, api_requests=0)
        cost.extra_sqs_requests = 1 + 2 / batch
        return cost

    def ticket_growth(self, changes: int) -> list[int]:
        """A ticket's size in bytes, new and after each status event it takes through SQS."""
        order = self.api.create_order(1)
        code = order["tickets"][0]["code"]
        key = {"pk": {"S": order_partition(order["order_id"])}, "sk": {"S": ticket_sort_key(code)}}

        def size() -> int:
            return self.recorder.item_size(OrdersTableItem.Meta.table_name, key)

        sizes = [size()]
        for status in itertools.islice(itertools.cycle(GROWTH_STATUSES), changes):
            self.status_event(code, status)
            sizes.append(size())
        return sizes

    def life(self, tickets: int) -> Life:
        """One order's life, every step recorded (its owner already has a page of orders)."""
        self.drain_stream()
        order, created = self.record(f"create order, {tickets} tickets", lambda: self.api.create_order(tickets))
        steps = [created, self.record_stream("stream handler after create order")]
        for status in LIFE_STATUSES:
            for ticket in order["tickets"]:
                steps.append(self.status_event(ticket["code"], status))
                steps.append(self.record_stream("stream handler after a status update"))
        detail = f"/api/orders/{order['order_id']}/"
        for _ in range(DETAIL_READS):
            steps.append(self.record("order detail", lambda: self.api.get(detail))[1])
        steps.append(self.record("list page", lambda: self.api.get(f"/api/orders/?limit={LIST_PAGE}"))[1])
        return Life(tickets=tickets, steps=steps)


def measure(recorder: CapacityRecorder) -> CostResults:
    with Client(app, stage_name=STAGE) as client:
        bench = _Bench(recorder, client)
        api = bench.api
        operations: list[OperationCost] = []

        def record(name: str, action: Callable[[], Any]) -> Any:
            result, cost = bench.record(name, action)
            operations.append(cost)
            return result

        credentials = {"email": "cost@example.com", "password": PASSWORD}
        api.token = record("register", lambda: api.post("/api/users/register/", credentials))["token"]
        record("login", lambda: api.post("/api/users/login/", credentials))
        record("token check alone", lambda: api.get("/api/orders/not-an-id/", expected_status=404))
        # The same check with a seed (DRF) token, as import-seed leaves it on an imported user.
        seed_key, own_token = secrets.token_hex(20), api.token
        UserRecord.get("cost@example.com").update(
            actions=[UserRecord.legacy_token_digest.set(legacy_token_digest(seed_key))]
        )
        api.token = seed_key
        record("seed (DRF) token check alone", lambda: api.get("/api/orders/not-an-id/", expected_status=404))
        api.token = own_token
        bench.drain_stream()
        one_ticket = record("create order, 1 ticket", lambda: api.create_order(1))
        operations.append(bench.record_stream("stream handler after create order, 1 ticket"))
        record("create order, 10 tickets", lambda: api.create_order(10))
        many_tickets = record("create order, 99 tickets", lambda: api.create_order(99))
        record("order detail, 1 ticket", lambda: api.get(f"/api/orders/{one_ticket['order_id']}/"))
        record("order detail, 99 tickets", lambda: api.get(f"/api/orders/{many_tickets['order_id']}/"))
        for _ in range(LIST_PAGE):
            api.create_order(1)
        record("list page of 20 orders", lambda: api.get(f"/api/orders/?limit={LIST_PAGE}"))

        by_http, by_sqs = api.create_order(1), api.create_order(1)
        bench.drain_stream()
        http_code = by_http["tickets"][0]["code"]
        record(
            "status update via HTTP",
            lambda: api.post(f"/api/orders/tickets/{http_code}/update-status/", {"status": "DONE"}),
        )
        operations.append(bench.record_stream("stream handler after a status update"))
        operations.append(bench.status_event(by_sqs["tickets"][0]["code"], "DONE"))
        lives = [bench.life(tickets) for tickets in LIFE_TICKETS]
        growth = bench.ticket_growth(GROWTH_CHANGES)
    return CostResults(operations=operations, lives=lives, ticket_sizes=growth)
