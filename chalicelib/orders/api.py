"""HTTP routes of the orders API."""

from chalice import Response

from chalicelib.errors import NotFound
from chalicelib.idempotency import IDEMPOTENCY_HEADER, KEY_PATTERN, REPLAYED_HEADER, idempotency_key
from chalicelib.integrators.services import Integrator
from chalicelib.integrators.signatures import SIGNATURE_HEADER
from chalicelib.orders import selectors, services
from chalicelib.orders.domain import ChangeSource
from chalicelib.orders.responses import order_summary, order_with_tickets
from chalicelib.orders.schemas import (
    CreateOrderRequest,
    ListOrdersQuery,
    OrderPageResponse,
    OrderResponse,
    TicketStatusResponse,
    UpdateTicketStatusRequest,
)
from chalicelib.users.models import UserRecord
from chalicelib.users.permissions import ADD_ORDER
from chalicelib.web.access import Caller, signature, token
from chalicelib.web.blueprint import ApiBlueprint
from chalicelib.web.cursors import next_page_cursor, page_resume
from chalicelib.web.openapi import HeaderParameter, Operation
from chalicelib.web.path_parameters import ORDER_ID, TICKET_CODE
from chalicelib.web.requests import parse_body, parse_query

orders_api = ApiBlueprint(__name__)
ORDERS_CURSOR = "orders"
IDEMPOTENCY_KEY_PARAMETER = HeaderParameter(
    IDEMPOTENCY_HEADER,
    "Makes a retried creation answer the first one instead of making a second order.",
    {"type": "string", "pattern": f"^{KEY_PATTERN.pattern}$"},
)


def _own_order(order_id: int, owner: UserRecord) -> selectors.OrderWithTickets:
    details = selectors.order_get_with_tickets(order_id=order_id)
    if details is None or details.order.owner_id != owner.user_id:
        raise NotFound(ORDER_ID.not_found)
    return details


@orders_api.route(
    "/api/orders/create",
    methods=["POST"],
    operation=Operation(
        summary="Create an order with its tickets",
        tag="orders",
        request=CreateOrderRequest,
        responses={201: OrderResponse},
        access=token(ADD_ORDER),
        headers=(IDEMPOTENCY_KEY_PARAMETER,),
        errors=(409, 422),
        description="The order and all its tickets are written in one transaction: all or nothing. With an "
        "`Idempotency-Key` header (1-255 printable ASCII characters, per user, remembered 24 hours), a "
        "request sent again answers the first 201 with `Idempotent-Replayed: true` and makes no second order; "
        "the same key with another body answers 422, and while the first is still running, 409 with "
        "`Retry-After`. A request that failed (400, 5xx) leaves the key free for its retry.",
    ),
)
def create_order(caller: Caller) -> Response:
    request = parse_body(orders_api.current_request, CreateOrderRequest)
    key = idempotency_key(orders_api.current_request.headers.get(IDEMPOTENCY_HEADER))
    asked = {
        "owner_id": caller.user.user_id,
        "customer_name": request.customer_name,
        "customer_phone": request.customer_phone,
        "comment": request.comment,
        "tickets": [ticket.product_codes for ticket in request.tickets],
    }
    if key is None:
        return Response(body=order_with_tickets(services.order_create(**asked)), status_code=201)
    details, replayed = services.order_create_once(idempotency_key=key, **asked)
    headers = {REPLAYED_HEADER: "true"} if replayed else {}
    return Response(body=order_with_tickets(details), status_code=201, headers=headers)


@orders_api.route(
    "/api/orders",
    methods=["GET"],
    operation=Operation(
        summary="The caller's orders, newest first",
        tag="orders",
        query=ListOrdersQuery,
        responses={200: OrderPageResponse},
        access=token(),
    ),
)
def list_orders(caller: Caller) -> dict:
    owner_id = caller.user.user_id
    query = parse_query(orders_api.current_request.query_params, ListOrdersQuery)
    resume = page_resume(query.cursor, holder=owner_id, purpose=ORDERS_CURSOR, shape={"before": int})
    page = selectors.order_list_for_owner(
        owner_id=owner_id, limit=query.limit, before_order_id=(resume or {}).get("before")
    )
    response = OrderPageResponse(
        results=[order_summary(order) for order in page.items],
        next_cursor=next_page_cursor(page, holder=owner_id, purpose=ORDERS_CURSOR),
    )
    return response.model_dump(mode="json")


@orders_api.route(
    "/api/orders/{order_id}",
    methods=["GET"],
    operation=Operation(
        summary="One of the caller's orders, with its tickets and their history",
        tag="orders",
        responses={200: OrderResponse},
        access=token(),
        path_parameters={"order_id": ORDER_ID},
    ),
)
def get_order(order_id: int, caller: Caller) -> dict:
    return order_with_tickets(_own_order(order_id, caller.user))


@orders_api.route(
    "/api/orders/{order_id}/cancel",
    methods=["POST"],
    operation=Operation(
        summary="Cancel one of the caller's orders while it is PENDING",
        tag="orders",
        responses={200: OrderResponse},
        access=token(),
        errors=(409,),
        path_parameters={"order_id": ORDER_ID},
    ),
)
def cancel_order(order_id: int, caller: Caller) -> dict:
    services.order_cancel(order_id=order_id, owner_id=caller.user.user_id)
    return order_with_tickets(_own_order(order_id, caller.user))


@orders_api.route(
    "/api/orders/tickets/{code}/update-status",
    methods=["POST"],
    operation=Operation(
        summary="Report a ticket's status (public, as in the seed, unless the stage requires a signature)",
        tag="orders",
        request=UpdateTicketStatusRequest,
        responses={200: TicketStatusResponse},
        access=signature(over="code"),
        path_parameters={"code": TICKET_CODE},
        description="Any valid status answers 200; the outcome says whether it was applied, unchanged, stale "
        "(older than the last report) or a duplicate (event_id seen before). An integrator signs its reports "
        f"with `{SIGNATURE_HEADER}` (see the README); a signed report is recorded with source `integrator` and "
        "the integrator's name. A bad, expired or revoked signature answers 401, and so does an unsigned report "
        "where the stage sets STATUS_REPORTS_REQUIRE_SIGNATURE.",
    ),
)
def update_ticket_status(code: str, caller: Integrator | None) -> dict:
    request = parse_body(orders_api.current_request, UpdateTicketStatusRequest)
    change = services.ticket_change_status(
        code=code,
        status=request.status,
        source=ChangeSource.INTEGRATOR if caller else ChangeSource.API,
        integrator=caller.name if caller else None,
        event_id=request.event_id,
        occurred_at=request.occurred_at,
    )
    response = TicketStatusResponse(code=change.ticket.ticket_code, status=change.ticket.status, outcome=change.outcome)
    return response.model_dump(mode="json")
