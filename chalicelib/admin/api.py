"""HTTP routes of the admin API, under /api/admin/. Every route needs an
active staff member, and the Django permission that the action implies."""

import json

from chalicelib.admin import selectors, services
from chalicelib.admin.schemas import (
    AdminOrderPageResponse,
    AdminOrderResponse,
    AdminTicketResponse,
    AuditPageResponse,
    MeResponse,
    OrdersQuery,
    PageQuery,
    SigningKeyPageResponse,
    SigningKeyResponse,
    TicketStatusChangeRequest,
    UserChangeRequest,
    UserPageResponse,
    UserResponse,
    UsersQuery,
)
from chalicelib.audit import audit_page
from chalicelib.errors import InvalidInput, NotFound
from chalicelib.integrators.models import SigningKeyRecord
from chalicelib.integrators.selectors import signing_keys_page
from chalicelib.integrators.services import signing_key_revoke
from chalicelib.orders.domain import OrderStatus, TicketStatus
from chalicelib.orders.responses import order_summary, order_with_tickets
from chalicelib.orders.schemas import TicketStatusResponse
from chalicelib.orders.selectors import order_get_with_tickets, ticket_key_by_code
from chalicelib.users.models import UserRecord
from chalicelib.users.permissions import (
    CHANGE_INTEGRATOR,
    CHANGE_TICKET,
    CHANGE_USER,
    PERMISSION_DESCRIPTIONS,
    VIEW_ORDER,
    VIEW_USER,
    has_permission,
)
from chalicelib.users.selectors import user_get_by_id
from chalicelib.web.access import Caller, staff
from chalicelib.web.blueprint import ApiBlueprint
from chalicelib.web.cursors import next_page_cursor, page_resume
from chalicelib.web.openapi import Operation
from chalicelib.web.path_parameters import KEY_ID, ORDER_ID, TICKET_CODE, USER_ID
from chalicelib.web.requests import parse_body, parse_query

admin_api = ApiBlueprint(__name__)


def _user(user: UserRecord) -> dict:
    return UserResponse(
        user_id=user.user_id,
        email=user.display_email,
        first_name=user.first_name,
        last_name=user.last_name,
        is_active=bool(user.is_active),
        is_staff=bool(user.is_staff),
        is_superuser=bool(user.is_superuser),
        permissions=sorted(user.permissions or ()),
        created_at=user.created_at,
    ).model_dump(mode="json")


@admin_api.route(
    "/api/admin/me",
    methods=["GET"],
    operation=Operation(summary="The signed-in staff member", tag="admin", responses={200: MeResponse}, access=staff()),
)
def me(caller: Caller) -> dict:
    actor = caller.principal
    return MeResponse(
        user_id=actor.user_id,
        email=actor.email,
        is_superuser=actor.is_superuser,
        permissions=sorted(actor.permissions),
        all_permissions=[
            {"codename": codename, "description": description}
            for codename, description in sorted(PERMISSION_DESCRIPTIONS.items())
        ],
        can={ability: has_permission(actor, permission) for ability, permission in ADMIN_ABILITIES.items()},
        order_statuses=[_status_choice(status) for status in OrderStatus],
        ticket_statuses=[_status_choice(status) for status in TicketStatus],
    ).model_dump(mode="json")


# What the admin page may show, by the permission each needs.
ADMIN_ABILITIES = {
    "view_users": VIEW_USER,
    "change_users": CHANGE_USER,
    "view_orders": VIEW_ORDER,
    "change_tickets": CHANGE_TICKET,
    "manage_integrators": CHANGE_INTEGRATOR,
}


def _status_choice(status: OrderStatus | TicketStatus) -> dict[str, str]:
    # IN_PROGRESS -> "In progress"
    return {"code": status.value, "label": status.value.replace("_", " ").capitalize()}


@admin_api.route(
    "/api/admin/users",
    methods=["GET"],
    operation=Operation(
        summary="Users; q searches emails (a bounded scan)",
        tag="admin",
        query=UsersQuery,
        responses={200: UserPageResponse},
        access=staff(VIEW_USER),
    ),
)
def list_users(caller: Caller) -> dict:
    actor = caller.principal
    query = parse_query(admin_api.current_request.query_params, UsersQuery)
    resume = page_resume(query.cursor, holder=actor.user_id, purpose="admin-users")
    page = selectors.users_page(query=query.q, limit=query.limit, resume=resume)
    return UserPageResponse(
        results=[_user(user) for user in page.items],
        next_cursor=next_page_cursor(page, holder=actor.user_id, purpose="admin-users"),
    ).model_dump(mode="json")


@admin_api.route(
    "/api/admin/users/{user_id}",
    methods=["GET"],
    operation=Operation(
        summary="One user",
        tag="admin",
        responses={200: UserResponse},
        access=staff(VIEW_USER),
        path_parameters={"user_id": USER_ID},
    ),
)
def get_user(user_id: str, caller: Caller) -> dict:
    user = user_get_by_id(user_id=user_id)
    if user is None:
        raise NotFound(USER_ID.not_found)
    return _user(user)


@admin_api.route(
    "/api/admin/users/{user_id}",
    methods=["PATCH"],
    operation=Operation(
        summary="Change a user's flags and permissions (audited)",
        tag="admin",
        request=UserChangeRequest,
        responses={200: UserResponse},
        access=staff(CHANGE_USER),
        path_parameters={"user_id": USER_ID},
    ),
)
def change_user(user_id: str, caller: Caller) -> dict:
    actor = caller.principal
    request = parse_body(admin_api.current_request, UserChangeRequest)
    user = services.user_change_by_admin(actor=actor, user_id=user_id, changes=request.model_dump(exclude_none=True))
    return _user(user)


@admin_api.route(
    "/api/admin/orders",
    methods=["GET"],
    operation=Operation(
        summary="Every order, newest first; by status and creation date (indexed) or q (search)",
        tag="admin",
        query=OrdersQuery,
        responses={200: AdminOrderPageResponse},
        access=staff(VIEW_ORDER),
    ),
)
def list_orders(caller: Caller) -> dict:
    actor = caller.principal
    query = parse_query(admin_api.current_request.query_params, OrdersQuery)
    if query.created_from and query.created_to and query.created_from > query.created_to:
        raise InvalidInput({"created_from": ["Must not be after created_to."]})
    filters = selectors.OrderFilter(status=query.status, created_from=query.created_from, created_to=query.created_to)
    # A listing, an owner search and a text search resume differently: their cursors do not mix.
    purpose = "admin-orders" if not query.q else "admin-orders-owner" if "@" in query.q else "admin-orders-text"
    resume = page_resume(query.cursor, holder=actor.user_id, purpose=purpose)
    if query.q:
        page = selectors.orders_search(query=query.q, filters=filters, limit=query.limit, resume=resume)
    else:
        page = selectors.orders_page(filters=filters, limit=query.limit, resume=resume)
    results = [{**order_summary(order), "owner_id": order.owner_id} for order in page.items]
    return AdminOrderPageResponse(
        results=results, next_cursor=next_page_cursor(page, holder=actor.user_id, purpose=purpose)
    ).model_dump(mode="json")


@admin_api.route(
    "/api/admin/orders/{order_id}",
    methods=["GET"],
    operation=Operation(
        summary="Any order, with its tickets",
        tag="admin",
        responses={200: AdminOrderResponse},
        access=staff(VIEW_ORDER),
        path_parameters={"order_id": ORDER_ID},
    ),
)
def get_order(order_id: int, caller: Caller) -> dict:
    details = order_get_with_tickets(order_id=order_id)
    if details is None:
        raise NotFound(ORDER_ID.not_found)
    return AdminOrderResponse(**order_with_tickets(details), owner_id=details.order.owner_id).model_dump(mode="json")


@admin_api.route(
    "/api/admin/tickets/{code}",
    methods=["GET"],
    operation=Operation(
        summary="A ticket by its code, in its order",
        tag="admin",
        responses={200: AdminTicketResponse},
        access=staff(VIEW_ORDER),
        path_parameters={"code": TICKET_CODE},
    ),
)
def get_ticket(code: str, caller: Caller) -> dict:
    key = ticket_key_by_code(code=code)
    details = order_get_with_tickets(order_id=key.order_id) if key else None
    if details is None:
        raise NotFound(TICKET_CODE.not_found)
    return AdminTicketResponse(
        **order_with_tickets(details), owner_id=details.order.owner_id, ticket_code=key.code
    ).model_dump(mode="json")


@admin_api.route(
    "/api/admin/tickets/{code}/status",
    methods=["POST"],
    operation=Operation(
        summary="Set a ticket's status as staff (audited)",
        tag="admin",
        request=TicketStatusChangeRequest,
        responses={200: TicketStatusResponse},
        access=staff(CHANGE_TICKET),
        path_parameters={"code": TICKET_CODE},
    ),
)
def change_ticket_status(code: str, caller: Caller) -> dict:
    actor = caller.principal
    request = parse_body(admin_api.current_request, TicketStatusChangeRequest)
    change = services.ticket_change_status_by_admin(actor=actor, code=code, status=request.status)
    return TicketStatusResponse(
        code=change.ticket.ticket_code, status=change.ticket.status, outcome=change.outcome
    ).model_dump(mode="json")


@admin_api.route(
    "/api/admin/audit",
    methods=["GET"],
    operation=Operation(
        summary="The audit trail, newest first",
        tag="admin",
        query=PageQuery,
        responses={200: AuditPageResponse},
        access=staff(VIEW_USER),
        description="The trail names users and their permissions, so it needs users.view_user.",
    ),
)
def list_audit(caller: Caller) -> dict:
    actor = caller.principal
    query = parse_query(admin_api.current_request.query_params, PageQuery)
    resume = page_resume(query.cursor, holder=actor.user_id, purpose="admin-audit", shape={"month": str}) or {}
    page = audit_page(limit=query.limit, month=resume.get("month"), below=resume.get("below"))
    results = [
        {
            "at": entry.at,
            "actor_email": entry.actor_email,
            "action": entry.action,
            "target_type": entry.target_type,
            "target_id": entry.target_id,
            "before": json.loads(entry.before),
            "after": json.loads(entry.after),
        }
        for entry in page.items
    ]
    return AuditPageResponse(
        results=results, next_cursor=next_page_cursor(page, holder=actor.user_id, purpose="admin-audit")
    ).model_dump(mode="json")


def _signing_key(key: SigningKeyRecord) -> dict:
    return SigningKeyResponse(
        name=key.name,
        key_id=key.key_id,
        created_at=key.created_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
    ).model_dump(mode="json")


@admin_api.route(
    "/api/admin/integrators",
    methods=["GET"],
    operation=Operation(
        summary="Integrators' signing keys (never their secrets)",
        tag="admin",
        query=PageQuery,
        responses={200: SigningKeyPageResponse},
        access=staff(CHANGE_INTEGRATOR),
    ),
)
def list_signing_keys(caller: Caller) -> dict:
    actor = caller.principal
    query = parse_query(admin_api.current_request.query_params, PageQuery)
    resume = page_resume(query.cursor, holder=actor.user_id, purpose="admin-integrators")
    page = signing_keys_page(limit=query.limit, resume=resume)
    return SigningKeyPageResponse(
        results=[_signing_key(key) for key in page.items],
        next_cursor=next_page_cursor(page, holder=actor.user_id, purpose="admin-integrators"),
    ).model_dump(mode="json")


@admin_api.route(
    "/api/admin/integrators/keys/{key_id}/revoke",
    methods=["POST"],
    operation=Operation(
        summary="Revoke an integrator's signing key, from the next request on (audited)",
        tag="admin",
        responses={200: SigningKeyResponse},
        access=staff(CHANGE_INTEGRATOR),
        path_parameters={"key_id": KEY_ID},
    ),
)
def revoke_signing_key(key_id: str, caller: Caller) -> dict:
    return _signing_key(signing_key_revoke(key_id=key_id, audited_as=caller.principal))
