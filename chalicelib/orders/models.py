"""Orders and their tickets in one DynamoDB table.

An order and its tickets share a partition (pk = ORDER#<id>), so one
strongly consistent Query reads an order with everything in it, and one
transaction writes a change to it. A ticket carries its own status history,
so that a change writes two items (the ticket and its order's counts), not three. Indexes serve the other access
paths: a user's orders newest first, a ticket by its public code, and the
admin's orders by month and by status and month.

Every index holds keys only (and the item's kind), so that a write that changes an order's counts,
its dates or a ticket's status writes no index at all; a reader of an index
fetches the items it found with one BatchGetItem (selectors.py). Only a new
item, and a change of the order's stored status (the key of
status-month-index), writes an index. The table's stream (old and new
images) feeds the outbound order events.
"""

from datetime import datetime

from pynamodb.attributes import (
    DiscriminatorAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.constants import STREAM_NEW_AND_OLD_IMAGE
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from chalicelib.orders.domain import OrderStatus, TicketStatus, order_status_from_tickets
from chalicelib.storage import TableMeta

ORDER_PARTITION_PREFIX = "ORDER#"
ORDER_SORT_KEY = "ORDER"
TICKET_SORT_PREFIX = "TICKET#"


def order_partition(order_id: int) -> str:
    return f"{ORDER_PARTITION_PREFIX}{order_id}"


def order_id_of(partition: str) -> int:
    return int(partition.removeprefix(ORDER_PARTITION_PREFIX))


def ticket_sort_key(code: str) -> str:
    return f"{TICKET_SORT_PREFIX}{code}"


class OrdersTableItem(Model):
    class Meta(TableMeta):
        stream_view_type = STREAM_NEW_AND_OLD_IMAGE

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()
    # The correlation id (observability.py) of the request or status report
    # whose change of this item its outbound event announces; written with the
    # change, so the stream handler can quote it. None for imported items.
    correlation_id = UnicodeAttribute(null=True)


# What every index holds: the keys, and the item's kind, which PynamoDB reads
# to tell an order from a ticket (it never changes, so it costs no index write).
KEYS_AND_KIND = IncludeProjection(["kind"])


class OwnerIndex(GlobalSecondaryIndex["OrderRecord"]):
    class Meta:
        index_name = "owner-index"
        projection = KEYS_AND_KIND

    owner_id = UnicodeAttribute(hash_key=True)
    order_id = NumberAttribute(range_key=True)


class MonthIndex(GlobalSecondaryIndex["OrderRecord"]):
    """Every order, newest first, one partition per month of creation (admin)."""

    class Meta:
        index_name = "month-index"
        projection = KEYS_AND_KIND

    created_month = UnicodeAttribute(hash_key=True)
    order_id = NumberAttribute(range_key=True)


class StatusMonthIndex(GlobalSecondaryIndex["OrderRecord"]):
    """Orders in one status, newest first, one partition per status and month (admin)."""

    class Meta:
        index_name = "status-month-index"
        projection = KEYS_AND_KIND

    status_month = UnicodeAttribute(hash_key=True)
    order_id = NumberAttribute(range_key=True)


class TicketCodeIndex(GlobalSecondaryIndex["TicketRecord"]):
    class Meta:
        index_name = "ticket_code-index"
        projection = KEYS_AND_KIND

    ticket_code = UnicodeAttribute(hash_key=True)


class OrderRecord(OrdersTableItem, discriminator="order"):
    order_id = NumberAttribute()
    # None for an order imported from the seed whose owner had been deleted:
    # the admin sees it, nobody else does (it is in no owner's index).
    owner_id = UnicodeAttribute(null=True)
    customer_name = UnicodeAttribute()
    customer_phone = UnicodeAttribute()
    comment = UnicodeAttribute(default="")
    ticket_total = NumberAttribute()
    cancelled_at = UTCDateTimeAttribute(null=True)
    # The derived status, stored for the admin's status index. Requests read the
    # status from the counts below (always current); stored_status.py is the
    # copy's one writer.
    status = UnicodeAttribute(default=OrderStatus.PENDING.value)
    created_month = UnicodeAttribute()
    status_month = UnicodeAttribute()
    # Lowercased customer name and phone, for the admin's search.
    search_text = UnicodeAttribute(default="")
    # How many tickets are in each status; the order's status is derived from
    # these, and a ticket change moves one count atomically with the ticket.
    tickets_new = NumberAttribute(default=0)
    tickets_in_progress = NumberAttribute(default=0)
    tickets_done = NumberAttribute(default=0)
    tickets_error = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    # When the order was carried over from the seed; its arrival is no new order to announce.
    imported_at = UTCDateTimeAttribute(null=True)

    by_owner = OwnerIndex()
    by_month = MonthIndex()
    by_status_month = StatusMonthIndex()


TICKET_COUNT_ATTRIBUTES = {
    TicketStatus.NEW: OrderRecord.tickets_new,
    TicketStatus.IN_PROGRESS: OrderRecord.tickets_in_progress,
    TicketStatus.DONE: OrderRecord.tickets_done,
    TicketStatus.ERROR: OrderRecord.tickets_error,
}


def ticket_counts(order: OrderRecord) -> dict[TicketStatus, int]:
    return {status: int(getattr(order, attribute.attr_name)) for status, attribute in TICKET_COUNT_ATTRIBUTES.items()}


def order_status(order: OrderRecord) -> OrderStatus:
    return order_status_from_tickets(ticket_counts(order), cancelled=order.cancelled_at is not None)


def month_of(moment: datetime) -> str:
    # Zero-padded, so that months compare as strings for every year (strftime does not pad years < 1000).
    return f"{moment.year:04d}-{moment.month:02d}"


def status_month(status: OrderStatus, created_month: str) -> str:
    return f"{status.value}#{created_month}"


def search_text(customer_name: str, customer_phone: str) -> str:
    return f"{customer_name} {customer_phone}".lower()


class StatusChangeEntry(MapAttribute):
    """One applied status change of a ticket, in the ticket's history."""

    from_status = UnicodeAttribute()
    to_status = UnicodeAttribute()
    occurred_at = UTCDateTimeAttribute()
    recorded_at = UTCDateTimeAttribute()
    source = UnicodeAttribute()
    # Who signed it, for source "integrator".
    integrator = UnicodeAttribute(null=True)
    event_id = UnicodeAttribute(null=True)


class TicketRecord(OrdersTableItem, discriminator="ticket"):
    ticket_code = UnicodeAttribute()
    order_id = NumberAttribute()
    # Keeps tickets in the order the client sent them.
    position = NumberAttribute()
    status = UnicodeAttribute(default=TicketStatus.NEW.value)
    product_codes = ListAttribute(of=UnicodeAttribute)
    # Every write of the ticket is conditioned on the version it read.
    version = NumberAttribute(default=1)
    # When the latest status report taken for this ticket happened; an older one is stale.
    last_change_at = UTCDateTimeAttribute(null=True)
    # The status events taken for this ticket, by event id: {"outcome", "expires_at"
    # (epoch seconds)}. Written with the change an event causes, on the ticket's
    # version, so that a second delivery is a no-op; forgotten after STATUS_EVENT_RETENTION.
    status_events = MapAttribute(null=True)
    # Every applied change, oldest first; appended by the change itself, on the version.
    history = ListAttribute(of=StatusChangeEntry, null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()

    by_code = TicketCodeIndex()
