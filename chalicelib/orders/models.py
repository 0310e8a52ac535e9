"""Orders and their tickets in one DynamoDB table.

An order and its tickets share a partition (pk = ORDER#<id>), so one
strongly consistent Query reads an order with everything in it, and one
transaction writes it. Two sparse indexes serve the other access paths:
a user's orders newest first, and a ticket by its public code.
"""

from pynamodb.attributes import (
    DiscriminatorAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.config import settings
from chalicelib.orders.domain import TicketStatus
from chalicelib.storage import TableMeta

ORDER_SORT_KEY = "ORDER"
TICKET_SORT_PREFIX = "TICKET#"


def order_partition(order_id: int) -> str:
    return f"ORDER#{order_id}"


def ticket_sort_key(code: str) -> str:
    return f"{TICKET_SORT_PREFIX}{code}"


class OrdersTableItem(Model):
    class Meta(TableMeta):
        table_name = settings.table_name("orders")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()


class OwnerIndex(GlobalSecondaryIndex["OrderRecord"]):
    class Meta:
        index_name = "owner-index"
        projection = AllProjection()

    owner_id = UnicodeAttribute(hash_key=True)
    order_id = NumberAttribute(range_key=True)


class TicketCodeIndex(GlobalSecondaryIndex["TicketRecord"]):
    class Meta:
        index_name = "ticket_code-index"
        projection = AllProjection()

    ticket_code = UnicodeAttribute(hash_key=True)


class OrderRecord(OrdersTableItem, discriminator="order"):
    order_id = NumberAttribute()
    owner_id = UnicodeAttribute()
    customer_name = UnicodeAttribute()
    customer_phone = UnicodeAttribute()
    comment = UnicodeAttribute(default="")
    # How many tickets are in each status; the order's status is derived from
    # these, and a ticket change moves one count atomically with the ticket.
    tickets_new = NumberAttribute(default=0)
    tickets_in_progress = NumberAttribute(default=0)
    tickets_done = NumberAttribute(default=0)
    tickets_error = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()

    by_owner = OwnerIndex()


TICKET_COUNT_ATTRIBUTES = {
    TicketStatus.NEW: OrderRecord.tickets_new,
    TicketStatus.IN_PROGRESS: OrderRecord.tickets_in_progress,
    TicketStatus.DONE: OrderRecord.tickets_done,
    TicketStatus.ERROR: OrderRecord.tickets_error,
}


def ticket_counts(order: OrderRecord) -> dict[TicketStatus, int]:
    return {status: int(getattr(order, attribute.attr_name)) for status, attribute in TICKET_COUNT_ATTRIBUTES.items()}


class TicketRecord(OrdersTableItem, discriminator="ticket"):
    ticket_code = UnicodeAttribute()
    order_id = NumberAttribute()
    # Keeps tickets in the order the client sent them.
    position = NumberAttribute()
    status = UnicodeAttribute(default=TicketStatus.NEW.value)
    product_codes = ListAttribute(of=UnicodeAttribute)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()

    by_code = TicketCodeIndex()
