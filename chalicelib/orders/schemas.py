"""Request and response bodies of the orders API."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from chalicelib.orders.domain import (
    MAX_PRODUCT_CODE_LENGTH,
    MAX_PRODUCT_CODES_PER_TICKET,
    MAX_TICKETS_PER_ORDER,
    OrderStatus,
    TicketStatus,
)

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


class TicketRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    product_codes: list[ProductCode] = Field(min_length=1, max_length=MAX_PRODUCT_CODES_PER_TICKET)


class CreateOrderRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    customer_name: CustomerName
    customer_phone: CustomerPhone
    comment: Comment = ""
    tickets: list[TicketRequest] = Field(min_length=1, max_length=MAX_TICKETS_PER_ORDER)


class UpdateTicketStatusRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: TicketStatus


class ListOrdersQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None


class TicketResponse(BaseModel):
    code: str
    status: TicketStatus
    product_codes: list[str]
    created_at: datetime
    updated_at: datetime


class OrderSummaryResponse(BaseModel):
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


class OrderPageResponse(BaseModel):
    results: list[OrderSummaryResponse]
    next_cursor: str | None


class TicketStatusResponse(BaseModel):
    code: str
    status: TicketStatus
