"""Ticket status events per second through SQS and the consumer, against the
same changes through the HTTP endpoint, in one run (issue 3's benchmark).

Every change moves a fresh ticket from NEW to IN_PROGRESS. The two paths
take turns, a chunk at a time, each going first every other chunk, so that
machine noise and the runner's background work hit both alike:

- SQS: a chunk is sent to a queue with the status-events queue's attributes
  and drained by the real SqsPoller (the deployed batch size and window),
  which invokes the real ticket_status_events handler in this process. The
  runner's own poller reads the real queue, so it does not compete. moto's
  SQS slows down sharply with queue depth, so a chunk is small and drained
  before the next is sent. Handler time (inside the invocations) and
  transport time (receive and delete) are timed apart.
- HTTP: POST /api/orders/tickets/{code}/update-status/ to the local stack,
  one after another on one keep-alive connection; each request is one
  function invocation on AWS.

moto answers a Query by walking every item of the table, and each change
starts with one (the ticket by its code), so a table that grew by every
change would make both paths measure moto's walk. Each chunk's orders are
therefore created before it and deleted after it, once their changes are
counted. Meanwhile the runner's stream handler publishes the outbound
events of both paths' changes, as it would on AWS.
"""

import json
import time
from dataclasses import dataclass
from typing import Any

import boto3
import requests
from tqdm import tqdm

from bench.local_stack import app_pollers, with_handler
from chalicelib.orders.domain import TicketStatus
from chalicelib.orders.models import OrdersTableItem, TicketRecord, order_partition
from chalicelib.orders.services import order_create
from infra.local.event_sources import SQS_MAX_MESSAGES_PER_CALL, SqsPoller

HANDLER_NAME = "ticket_status_events"
TICKETS_PER_ORDER = 10
NEW_STATUS = TicketStatus.IN_PROGRESS.value
DRAIN_TIMEOUT_SECONDS = 60
_COPIED_QUEUE_ATTRIBUTES = ("VisibilityTimeout", "MessageRetentionPeriod", "RedrivePolicy", "DelaySeconds")


@dataclass
class StatusEventsResult:
    events: int
    chunk: int
    batch_size: int
    http_seconds: float
    send_seconds: float
    transport_seconds: float
    handler_seconds: float
    sqs_invocations: int
    applied_by_sqs: int
    applied_by_http: int

    @property
    def http_rate(self) -> float:
        return self.events / self.http_seconds

    @property
    def consumer_rate(self) -> float:
        """Events per second through the consumer: transport and handler."""
        return self.events / (self.transport_seconds + self.handler_seconds)

    @property
    def handler_rate(self) -> float:
        return self.events / self.handler_seconds


class TimedHandler:
    """Adds up the time spent inside the handler's invocations."""

    def __init__(self, handler: Any) -> None:
        self.handler = handler
        self.seconds = 0.0

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        started = time.perf_counter()
        try:
            return self.handler(event, context)
        finally:
            self.seconds += time.perf_counter() - started


def _shadow_queue(sqs: Any, poller: SqsPoller) -> tuple[str, str]:
    """A queue like the poller's, for the benchmark's own poller alone."""
    attributes = sqs.get_queue_attributes(QueueUrl=poller.queue_url, AttributeNames=["All"])["Attributes"]
    name = f"{poller.queue_arn.rsplit(':', 1)[-1]}-bench"
    url = sqs.create_queue(
        QueueName=name, Attributes={key: attributes[key] for key in _COPIED_QUEUE_ATTRIBUTES if key in attributes}
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _create_orders(tickets: int) -> tuple[list[int], list[str]]:
    """Orders holding `tickets` new tickets: their ids and the tickets' codes."""
    order_ids, codes = [], []
    for first in range(0, tickets, TICKETS_PER_ORDER):
        created = order_create(
            owner_id="bench-status-events",
            customer_name="Status Bench",
            customer_phone="+1234567890",
            comment="",
            tickets=[["PROD-A1"]] * min(TICKETS_PER_ORDER, tickets - first),
        )
        order_ids.append(int(created.order.order_id))
        codes += [ticket.ticket_code for ticket in created.tickets]
    return order_ids, codes


def _count_and_delete(order_ids: list[int]) -> int:
    """How many of the orders' tickets took the change; then the orders go, with all their items."""
    applied = 0
    with OrdersTableItem.batch_write() as batch:
        for order_id in order_ids:
            for item in OrdersTableItem.query(order_partition(order_id), consistent_read=True):
                applied += isinstance(item, TicketRecord) and item.status == NEW_STATUS
                batch.delete(item)
    return applied


def _send(sqs: Any, url: str, codes: list[str]) -> None:
    for start in range(0, len(codes), SQS_MAX_MESSAGES_PER_CALL):
        entries = [
            {"Id": str(index), "MessageBody": json.dumps({"ticket_code": code, "status": NEW_STATUS})}
            for index, code in enumerate(codes[start : start + SQS_MAX_MESSAGES_PER_CALL])
        ]
        response = sqs.send_message_batch(QueueUrl=url, Entries=entries)
        if response.get("Failed"):
            raise RuntimeError(f"sending status events failed: {response['Failed']}")


def _drain(poller: SqsPoller, count: int) -> None:
    deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
    while count > 0:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{count} status events were not delivered within {DRAIN_TIMEOUT_SECONDS} s")
        count -= poller.poll_once()


def measure(base_url: str, events: int, chunk: int) -> StatusEventsResult:
    sqs = boto3.client("sqs")
    deployed = app_pollers()[HANDLER_NAME]
    assert isinstance(deployed, SqsPoller)
    handler = TimedHandler(deployed.function.handler)
    shadow_url, shadow_arn = _shadow_queue(sqs, deployed)
    poller = SqsPoller(
        with_handler(deployed.function, handler),
        sqs=sqs,
        queue_url=shadow_url,
        queue_arn=shadow_arn,
        batch_size=deployed.batch_size,
        batching_window_seconds=deployed.batching_window_seconds,
    )
    session = requests.Session()
    seconds = {"send": 0.0, "poll": 0.0, "http": 0.0}
    applied = {"sqs": 0, "http": 0}

    def through_sqs(codes: list[str]) -> None:
        began = time.perf_counter()
        _send(sqs, shadow_url, codes)
        sent = time.perf_counter()
        _drain(poller, len(codes))
        seconds["send"] += sent - began
        seconds["poll"] += time.perf_counter() - sent

    def through_http(codes: list[str]) -> None:
        began = time.perf_counter()
        for code in codes:
            response = session.post(f"{base_url}/api/orders/tickets/{code}/update-status/", json={"status": NEW_STATUS})
            if response.status_code != 200:
                raise RuntimeError(f"update-status answered {response.status_code}: {response.text}")
        seconds["http"] += time.perf_counter() - began

    with tqdm(total=2 * events, desc="status events, SQS and HTTP", unit="event") as progress:
        for number, start in enumerate(range(0, events, chunk)):
            size = min(chunk, events - start)
            orders = {"sqs": _create_orders(size), "http": _create_orders(size)}
            paths = [("sqs", through_sqs), ("http", through_http)]
            for path, run in paths if number % 2 == 0 else reversed(paths):
                run(orders[path][1])
                progress.update(size)
            for path, (order_ids, _codes) in orders.items():
                applied[path] += _count_and_delete(order_ids)

    return StatusEventsResult(
        events=events,
        chunk=chunk,
        batch_size=poller.batch_size,
        http_seconds=seconds["http"],
        send_seconds=seconds["send"],
        transport_seconds=seconds["poll"] - handler.seconds,
        handler_seconds=handler.seconds,
        sqs_invocations=poller.invocations,
        applied_by_sqs=applied["sqs"],
        applied_by_http=applied["http"],
    )
