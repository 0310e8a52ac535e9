"""Order and ticket rules as plain Python: statuses, limits, ids."""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum

# How long a status event's id (against a second delivery) and a message's
# failure reason are kept: beyond SQS's longest retention, 14 days.
STATUS_EVENT_RETENTION = timedelta(days=15)
# One DynamoDB transaction holds at most 100 items: the order and 99 tickets.
MAX_TICKETS_PER_ORDER = 99
MAX_PRODUCT_CODES_PER_TICKET = 100
MAX_PRODUCT_CODE_LENGTH = 64

# Order ids are JSON-safe integers: 41 bits of milliseconds since ORDER_ID_EPOCH_MS
# (until 2095), then 12 random bits. Ids grow with time, so "newest first" is
# "highest id first", and no counter item is shared by every writer.
ORDER_ID_EPOCH_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
ORDER_ID_RANDOM_BITS = 12
MAX_ORDER_ID = 2**53 - 1


class TicketStatus(StrEnum):
    NEW = "NEW"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    ERROR = "ERROR"


class OrderStatus(StrEnum):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


# The first month anything of ours is stamped with (the audit's first partition): the epoch's.
FIRST_MONTH = datetime.fromtimestamp(ORDER_ID_EPOCH_MS / 1000, UTC).strftime("%Y-%m")
_RANDOM_MASK = 2**ORDER_ID_RANDOM_BITS - 1


def new_order_id(*, now_ms: int, random_bits: int) -> int:
    elapsed = now_ms - ORDER_ID_EPOCH_MS
    if not 0 <= elapsed <= MAX_ORDER_ID >> ORDER_ID_RANDOM_BITS:
        raise ValueError("clock outside the order id range")
    return (elapsed << ORDER_ID_RANDOM_BITS) | (random_bits & _RANDOM_MASK)


def order_id_bound(*, at_ms: int, last: bool) -> int:
    """The first (or, with last, the last) order id that an order created in
    the millisecond at_ms can have: ids grow with creation time."""
    elapsed = max(0, at_ms - ORDER_ID_EPOCH_MS)
    return (elapsed << ORDER_ID_RANDOM_BITS) | (_RANDOM_MASK if last else 0)


def order_status_from_tickets(counts: Mapping[TicketStatus, int], *, cancelled: bool) -> OrderStatus:
    """PENDING while every ticket is NEW, COMPLETED once every ticket is DONE,
    PROCESSING in between; CANCELLED overrides, since it is final."""
    if cancelled:
        return OrderStatus.CANCELLED
    total = sum(counts.values())
    if counts.get(TicketStatus.NEW, 0) == total:
        return OrderStatus.PENDING
    if counts.get(TicketStatus.DONE, 0) == total:
        return OrderStatus.COMPLETED
    return OrderStatus.PROCESSING


class ChangeSource(StrEnum):
    API = "api"
    SQS = "sqs"
    ADMIN = "admin"
    # A report signed by an integrator's key; the entry names the integrator too.
    INTEGRATOR = "integrator"
    # Carried over from the seed's database (infra/cli/import_seed.py): one entry per ticket.
    IMPORT = "import"


class ChangeOutcome(StrEnum):
    APPLIED = "applied"
    UNCHANGED = "unchanged"
    STALE = "stale"
    DUPLICATE = "duplicate"


def decide_status_change(
    *,
    current: TicketStatus,
    requested: TicketStatus,
    last_change_at: datetime | None,
    occurred_at: datetime,
) -> ChangeOutcome:
    """Whether a reported status applies to a ticket.

    A report older than the last one taken for this ticket is stale: events
    arrive out of order, and an old one must not undo a newer change.
    """
    if last_change_at is not None and occurred_at < last_change_at:
        return ChangeOutcome.STALE
    if requested == current:
        return ChangeOutcome.UNCHANGED
    return ChangeOutcome.APPLIED


def can_cancel(counts: Mapping[TicketStatus, int], *, cancelled: bool) -> bool:
    """Only the owner's PENDING order (every ticket still NEW) may be cancelled."""
    return order_status_from_tickets(counts, cancelled=cancelled) is OrderStatus.PENDING
