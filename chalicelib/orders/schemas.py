"""Request and response bodies of the orders API."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from chalicelib.orders.domain import (
    MAX_PRODUCT_CODE_LENGTH,
    MAX_PRODUCT_CODES_PER_TICKET,
    MAX_TICKETS_PER_ORDER,
    ChangeOutcome,
    ChangeSource,
    OrderStatus,
    TicketStatus,
)
from chalicelib.web.validation import Schema

MIN_PHONE_DIGITS = 5
MAX_CLOCK_SKEW = timedelta(minutes=5)
PHONE_CHARACTERS = frozenset("0123456789 +-()")


def _phone_number(value: str) -> str:
    if not set(value) <= PHONE_CHARACTERS:
        raise PydanticCustomError("phone_characters", "Use only digits, spaces and + - ( ).")
    if sum(character.isdigit() for character in value) < MIN_PHONE_DIGITS:
        raise PydanticCustomError("phone_digits", f"Enter at least {MIN_PHONE_DIGITS} digits.")
    return value


def _reported_time(value: datetime) -> datetime:
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("time_range", "This time is out of range.") from None
    if moment > datetime.now(UTC) + MAX_CLOCK_SKEW:
        # A report from the future would make every later report look stale.
        raise PydanticCustomError("future_time", "This time is in the future.")
    return moment


CustomerName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
CustomerPhone = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20), AfterValidator(_phone_number)
]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
ProductCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_PRODUCT_CODE_LENGTH)]
EventId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
# ISO-8601; without an offset it is taken as UTC.
ReportedTime = Annotated[datetime, AfterValidator(_reported_time)]


class TicketRequest(Schema):
    product_codes: list[ProductCode] = Field(min_length=1, max_length=MAX_PRODUCT_CODES_PER_TICKET)


class CreateOrderRequest(Schema):
    customer_name: CustomerName
    customer_phone: CustomerPhone
    comment: Comment = ""
    tickets: list[TicketRequest] = Field(min_length=1, max_length=MAX_TICKETS_PER_ORDER)


class UpdateTicketStatusRequest(Schema):
    status: TicketStatus
    event_id: EventId | None = None
    occurred_at: ReportedTime | None = None


class TicketStatusEvent(Schema):
    """The body of a message on the ticket-status-events queue."""

    ticket_code: uuid.UUID = Field(description="The ticket's code, as returned when the order was created.")
    status: TicketStatus = Field(description="The ticket's new status.")
    event_id: EventId | None = Field(
        default=None,
        description="Your id for this event; a second delivery of the same id for the same ticket has no effect. "
        "Without it, the SQS message id is used.",
    )
    occurred_at: ReportedTime | None = Field(
        default=None,
        description="When the change happened (ISO-8601; UTC when no offset is given). An event older than the "
        "last one taken for the ticket is recorded as stale and not applied. At most 5 minutes in the future.",
    )
    source: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None, description="The sending system's name, for the logs."
    )


class ListOrdersQuery(Schema):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None


class StatusChangeResponse(Schema):
    from_status: TicketStatus
    to_status: TicketStatus
    at: datetime
    recorded_at: datetime
    source: ChangeSource
    integrator: str | None = Field(description="The integrator who signed the report, for source `integrator`.")
    event_id: str | None


class TicketResponse(Schema):
    code: str
    status: TicketStatus
    product_codes: list[str]
    created_at: datetime
    updated_at: datetime
    history: list[StatusChangeResponse]


class OrderSummaryResponse(Schema):
    order_id: int
    status: OrderStatus
    customer_name: str
    customer_phone: str
    comment: str
    ticket_count: int
    created_at: datetime
    updated_at: datetime


class OrderResponse(OrderSummaryResponse):
    tickets: list[TicketResponse]


class OrderPageResponse(Schema):
    results: list[OrderSummaryResponse]
    next_cursor: str | None


class TicketStatusResponse(Schema):
    code: str
    status: TicketStatus
    outcome: ChangeOutcome
