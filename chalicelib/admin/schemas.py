"""Request and response bodies of the admin API."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.orders.domain import OrderStatus, TicketStatus
from chalicelib.orders.schemas import OrderResponse, OrderSummaryResponse
from chalicelib.users.permissions import ALL_PERMISSIONS
from chalicelib.web.validation import Schema

PermissionName = Literal[tuple(sorted(ALL_PERMISSIONS))]  # type: ignore[valid-type] (the names, stated once)
SearchText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class PageQuery(Schema):
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = None


class UsersQuery(PageQuery):
    q: SearchText | None = None


class OrdersQuery(PageQuery):
    status: OrderStatus | None = None
    created_from: date | None = None
    created_to: date | None = None
    q: SearchText | None = None


class UserChangeRequest(Schema):
    is_active: bool | None = None
    is_staff: bool | None = None
    is_superuser: bool | None = None
    permissions: list[PermissionName] | None = None


class TicketStatusChangeRequest(Schema):
    status: TicketStatus


class UserResponse(Schema):
    user_id: str
    email: str
    first_name: str
    last_name: str
    is_active: bool
    is_staff: bool
    is_superuser: bool
    permissions: list[str]
    created_at: datetime


class UserPageResponse(Schema):
    results: list[UserResponse]
    next_cursor: str | None


class AdminOrderSummaryResponse(OrderSummaryResponse):
    owner_id: str | None


class AdminOrderResponse(OrderResponse):
    owner_id: str | None


class AdminTicketResponse(AdminOrderResponse):
    ticket_code: str


class AdminOrderPageResponse(Schema):
    results: list[AdminOrderSummaryResponse]
    next_cursor: str | None


class AuditEntryResponse(Schema):
    at: datetime
    actor_email: str
    action: str
    target_type: str
    target_id: str
    before: dict
    after: dict


class AuditPageResponse(Schema):
    results: list[AuditEntryResponse]
    next_cursor: str | None


class SigningKeyResponse(Schema):
    name: str = Field(description="The integrator's name.")
    key_id: str
    created_at: datetime
    last_used_at: datetime | None = Field(description="When it last signed a report, to within an hour.")
    revoked_at: datetime | None


class SigningKeyPageResponse(Schema):
    results: list[SigningKeyResponse]
    next_cursor: str | None


class PermissionResponse(Schema):
    codename: str
    description: str


class AdminAbilitiesResponse(Schema):
    """What the signed-in staff member may do in the admin, so that the page
    shows only that (the API checks each call itself)."""

    view_users: bool
    change_users: bool
    view_orders: bool
    change_tickets: bool
    manage_integrators: bool


class StatusChoiceResponse(Schema):
    code: str
    label: str


class MeResponse(Schema):
    user_id: str
    email: str
    is_superuser: bool
    permissions: list[str]
    all_permissions: list[PermissionResponse]
    can: AdminAbilitiesResponse
    # Every status, in order, with the label the admin page shows.
    order_statuses: list[StatusChoiceResponse]
    ticket_statuses: list[StatusChoiceResponse]
