"""HTTP routes of the orders API."""

from chalice import Response

from chalicelib.errors import NotFound
from chalicelib.orders import selectors, services
from chalicelib.orders.cursors import cursor_decode, cursor_encode
from chalicelib.orders.domain import ChangeSource
from chalicelib.orders.models import HistoryRecord, OrderRecord, TicketRecord, order_status, ticket_counts
from chalicelib.orders.schemas import (
    CreateOrderRequest,
    ListOrdersQuery,
    OrderPageResponse,
    OrderResponse,
    OrderSummaryResponse,
    StatusChangeResponse,
    TicketResponse,
    TicketStatusResponse,
    UpdateTicketStatusRequest,
)
from chalicelib.users.authentication import user_from_authorization
from chalicelib.users.models import UserRecord
from chalicelib.web.blueprint import ApiBlueprint
from chalicelib.web.requests import parse_body, parse_query

orders_api = ApiBlueprint(__name__)


def _caller() -> UserRecord:
    return user_from_authorization(orders_api.current_request.headers.get("authorization"))


def _summary(order: OrderRecord) -> dict:
    return dict(
        order_id=int(order.order_id),
        status=order_status(order),
        customer_name=order.customer_name,
        customer_phone=order.customer_phone,
        comment=order.comment,
        ticket_count=sum(ticket_counts(order).values()),
        created_at=order.created_at,
        updated_at=order.updated_at,
    )


def _change(change: HistoryRecord) -> StatusChangeResponse:
    return StatusChangeResponse(
        from_status=change.from_status,
        to_status=change.to_status,
        at=change.occurred_at,
        recorded_at=change.recorded_at,
        source=change.source,
        event_id=change.event_id,
    )


def _ticket(ticket: TicketRecord, history: list[HistoryRecord]) -> TicketResponse:
    return TicketResponse(
        code=ticket.ticket_code,
        status=ticket.status,
        product_codes=list(ticket.product_codes),
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        history=[_change(change) for change in history],
    )


def _order_with_tickets(details: selectors.OrderWithTickets) -> dict:
    tickets = [_ticket(ticket, details.history.get(ticket.ticket_code, [])) for ticket in details.tickets]
    return OrderResponse(**_summary(details.order), tickets=tickets).model_dump(mode="json")


def _order_id(raw: str) -> int:
    if raw.isascii() and raw.isdigit():
        return int(raw)
    raise NotFound("No order with this id.")


@orders_api.route("/api/orders/create", methods=["POST"])
def create_order() -> Response:
    caller = _caller()
    request = parse_body(orders_api.current_request, CreateOrderRequest)
    details = services.order_create(
        owner_id=caller.user_id,
        customer_name=request.customer_name,
        customer_phone=request.customer_phone,
        comment=request.comment,
        tickets=[ticket.product_codes for ticket in request.tickets],
    )
    return Response(body=_order_with_tickets(details), status_code=201)


@orders_api.route("/api/orders", methods=["GET"])
def list_orders() -> dict:
    caller = _caller()
    query = parse_query(orders_api.current_request.query_params, ListOrdersQuery)
    before = cursor_decode(query.cursor, owner_id=caller.user_id) if query.cursor else None
    page = selectors.order_list_for_owner(owner_id=caller.user_id, limit=query.limit, before_order_id=before)
    next_cursor = cursor_encode(int(page.orders[-1].order_id), owner_id=caller.user_id) if page.has_more else None
    response = OrderPageResponse(
        results=[OrderSummaryResponse(**_summary(order)) for order in page.orders], next_cursor=next_cursor
    )
    return response.model_dump(mode="json")


@orders_api.route("/api/orders/{order_id}", methods=["GET"])
def get_order(order_id: str) -> dict:
    caller = _caller()
    details = selectors.order_get_with_tickets(order_id=_order_id(order_id), owner_id=caller.user_id)
    if details is None:
        raise NotFound("No order with this id.")
    return _order_with_tickets(details)


@orders_api.route("/api/orders/{order_id}/cancel", methods=["POST"])
def cancel_order(order_id: str) -> dict:
    caller = _caller()
    services.order_cancel(order_id=_order_id(order_id), owner_id=caller.user_id)
    details = selectors.order_get_with_tickets(order_id=_order_id(order_id), owner_id=caller.user_id)
    if details is None:
        raise NotFound("No order with this id.")
    return _order_with_tickets(details)


@orders_api.route("/api/orders/tickets/{code}/update-status", methods=["POST"])
def update_ticket_status(code: str) -> dict:
    request = parse_body(orders_api.current_request, UpdateTicketStatusRequest)
    change = services.ticket_change_status(
        code=code,
        status=request.status,
        source=ChangeSource.API,
        event_id=request.event_id,
        occurred_at=request.occurred_at,
    )
    response = TicketStatusResponse(code=change.ticket.ticket_code, status=change.ticket.status, outcome=change.outcome)
    return response.model_dump(mode="json")
