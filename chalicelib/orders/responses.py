"""Response bodies of orders and tickets, built from their records."""

from chalicelib.orders.models import OrderRecord, StatusChangeEntry, TicketRecord, order_status, ticket_counts
from chalicelib.orders.schemas import OrderResponse, OrderSummaryResponse, StatusChangeResponse, TicketResponse
from chalicelib.orders.selectors import OrderWithTickets


def _summary_fields(order: OrderRecord) -> dict:
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


def _change(change: StatusChangeEntry) -> StatusChangeResponse:
    return StatusChangeResponse(
        from_status=change.from_status,
        to_status=change.to_status,
        at=change.occurred_at,
        recorded_at=change.recorded_at,
        source=change.source,
        integrator=change.integrator,
        event_id=change.event_id,
    )


def _ticket(ticket: TicketRecord) -> TicketResponse:
    return TicketResponse(
        code=ticket.ticket_code,
        status=ticket.status,
        product_codes=list(ticket.product_codes),
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        history=[_change(change) for change in ticket.history or []],
    )


def order_with_tickets(details: OrderWithTickets) -> dict:
    tickets = [_ticket(ticket) for ticket in details.tickets]
    return OrderResponse(**_summary_fields(details.order), tickets=tickets).model_dump(mode="json")


def order_summary(order: OrderRecord) -> dict:
    return OrderSummaryResponse(**_summary_fields(order)).model_dump(mode="json")
