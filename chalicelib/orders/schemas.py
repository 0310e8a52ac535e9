"""Request and response bodies of the orders API."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from chalicelib.orders.domain import (
    MAX_PRODUCT_CODE_LENGTH,
    MAX_PRODUCT_CODES_PER_TICKET,
    MAX_TICKETS_PER_ORDER,
    OrderStatus,
    TicketStatus,
)
from chalicelib.schema import Schema

MIN_PHONE_DIGITS = 5
PHONE_CHARACTERS = frozenset("0123456789 +-()")


def _phone_number(value: str) -> str:
    if not set(value) <= PHONE_CHARACTERS:
        raise PydanticCustomError("phone_characters", "Use only digits, spaces and + - ( ).")
    if sum(character.isdigit() for character in value) < MIN_PHONE_DIGITS:
        raise PydanticCustomError("phone_digits", f"Enter at least {MIN_PHONE_DIGITS} digits.")
    return value


CustomerName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
CustomerPhone = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20), AfterValidator(_phone_number)
]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
ProductCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_PRODUCT_CODE_LENGTH)]


class TicketRequest(Schema):
    product_codes: list[ProductCode] = Field(min_length=1, max_length=MAX_PRODUCT_CODES_PER_TICKET)


class CreateOrderRequest(Schema):
    customer_name: CustomerName
    customer_phone: CustomerPhone
    comment: Comment = ""
    tickets: list[TicketRequest] = Field(min_length=1, max_length=MAX_TICKETS_PER_ORDER)


class UpdateTicketStatusRequest(Schema):
    status: TicketStatus


class ListOrdersQuery(Schema):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None


class TicketResponse(Schema):
    code: str
    status: TicketStatus
    product_codes: list[str]
    created_at: datetime
    updated_at: datetime


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
