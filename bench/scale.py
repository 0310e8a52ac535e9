"""List latency against table size: one user's first page (GET /api/orders/)
with 10, 1,000 and 10,000 orders of other users in the orders table.

The other users' orders (one ticket each, built as order_create builds
them) are loaded straight into the emulator with batch writes. The list
runs in this process through chalice.test.Client, against the emulator.

moto answers every Query by walking all the items of the table (DynamoDB
reads only the items it returns), so each list request is paired with its
own Query sent alone to the emulator; the difference is the app's own time
(and its token check's GetItem), which must stay flat.
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import boto3
from chalice.test import Client
from tqdm import tqdm

from app import app
from bench.dynamodb_capacity import CapacityRecorder
from bench.local_stack import STAGE
from bench.stats import median, timed_ms
from chalicelib.orders.domain import new_order_id
from chalicelib.orders.models import (
    OrderRecord,
    OrdersTableItem,
)
from chalicelib.orders.selectors import OrderWithTickets
from chalicelib.orders.services import OrderPlan, new_order_records, order_create
from chalicelib.users.services import user_issue_token, user_register

OWN_ORDERS = 25
PAGE = 20
CUSTOMER = ("Jane Roe", "+1987654321")


@dataclass
class ScalePoint:
    other_orders: int
    list_ms: list[float]
    query_ms: list[float]
    items_read: int
    read_units: float

    @property
    def app_share_ms(self) -> float:
        """The median of each list request's time less its paired Query's: the app's own time."""
        return median([whole - query for whole, query in zip(self.list_ms, self.query_ms, strict=True)])


def _other_users_order(index: int, now: datetime) -> OrderWithTickets:
    name, phone = CUSTOMER
    # One millisecond apart, so that ids never collide.
    order_id = new_order_id(now_ms=int(now.timestamp() * 1000) - index, random_bits=secrets.randbits(12))
    return new_order_records(
        plan=OrderPlan(order_id=order_id, ticket_codes=(str(uuid.uuid4()),), created_at=now),
        owner_id=uuid.uuid4().hex,
        customer_name=name,
        customer_phone=phone,
        comment="",
        tickets=[["PROD-A1"]],
    )


def load_other_orders(first_index: int, count: int) -> None:
    now = datetime.now(UTC)
    with (
        OrdersTableItem.batch_write() as batch,
        tqdm(total=count, desc="loading other users' orders", unit="order") as progress,
    ):
        for index in range(first_index, first_index + count):
            records = _other_users_order(index, now)
            for item in [records.order, *records.tickets]:
                batch.save(item)
            progress.update()


def measure(sizes: list[int], requests: int, recorder: CapacityRecorder) -> list[ScalePoint]:
    user = user_register(email="scale@example.com", password="correct horse battery")  # noqa: S106
    for _ in range(OWN_ORDERS):
        order_create(
            owner_id=user.user_id,
            customer_name="John Doe",
            customer_phone="+1234567890",
            comment="",
            tickets=[["PROD-A1"]],
        )
    headers = {"Authorization": f"Token {user_issue_token(user=user)}"}
    dynamodb = boto3.client("dynamodb")
    # The list's own Query: the owner's newest orders, a page and one more.
    list_query = {
        "TableName": OrdersTableItem.Meta.table_name,
        "IndexName": OrderRecord.by_owner.Meta.index_name,
        "KeyConditionExpression": "owner_id = :owner",
        "ExpressionAttributeValues": {":owner": {"S": user.user_id}},
        "ScanIndexForward": False,
        "Limit": PAGE + 1,
    }
    points = []
    loaded = 0
    with Client(app, stage_name=STAGE) as client:
        for size in sizes:
            load_other_orders(loaded, size - loaded)
            loaded = size
            list_ms, query_ms = [], []
            for _ in range(requests):
                elapsed, response = timed_ms(lambda: client.http.get(f"/api/orders/?limit={PAGE}", headers=headers))
                assert response.status_code == 200, response.body
                list_ms.append(elapsed)
                query_ms.append(timed_ms(lambda: dynamodb.query(**list_query))[0])
            with recorder.recording() as log:
                client.http.get(f"/api/orders/?limit={PAGE}", headers=headers)
            points.append(
                ScalePoint(
                    other_orders=size,
                    list_ms=list_ms,
                    query_ms=query_ms,
                    items_read=int(log.total("items_read")),
                    read_units=log.total("read_units"),
                )
            )
    return points
