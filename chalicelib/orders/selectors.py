"""Reads of orders and tickets. Each is one GetItem or one Query."""

import uuid
from dataclasses import dataclass

from chalicelib.orders.domain import OrderStatus, order_status_from_tickets
from chalicelib.orders.models import (
    OrderRecord,
    OrdersTableItem,
    TicketRecord,
    order_partition,
    ticket_counts,
)


@dataclass(frozen=True)
class OrderWithTickets:
    order: OrderRecord
    tickets: list[TicketRecord]


@dataclass(frozen=True)
class OrderPage:
    orders: list[OrderRecord]
    has_more: bool


def order_status(order: OrderRecord) -> OrderStatus:
    return order_status_from_tickets(ticket_counts(order), cancelled=False)


def order_get_with_tickets(*, order_id: int, owner_id: str) -> OrderWithTickets | None:
    """The caller's order with its tickets; None when it is missing or someone else's."""
    order: OrderRecord | None = None
    tickets: list[TicketRecord] = []
    for item in OrdersTableItem.query(order_partition(order_id), consistent_read=True):
        if isinstance(item, OrderRecord):
            order = item
        elif isinstance(item, TicketRecord):
            tickets.append(item)
    if order is None or order.owner_id != owner_id:
        return None
    tickets.sort(key=lambda ticket: ticket.position)
    return OrderWithTickets(order=order, tickets=tickets)


def order_list_for_owner(*, owner_id: str, limit: int, before_order_id: int | None = None) -> OrderPage:
    """A page of the owner's orders, newest first, starting below before_order_id."""
    range_condition = OrderRecord.order_id < before_order_id if before_order_id is not None else None
    # One item beyond the page tells whether another page exists, in the same Query.
    orders = list(OrderRecord.by_owner.query(owner_id, range_condition, scan_index_forward=False, limit=limit + 1))
    return OrderPage(orders=orders[:limit], has_more=len(orders) > limit)


def canonical_ticket_code(code: str) -> str | None:
    try:
        return str(uuid.UUID(code))
    except ValueError:
        return None


def ticket_get_by_code(*, code: str) -> TicketRecord | None:
    canonical = canonical_ticket_code(code)
    if canonical is None:
        return None
    return next(iter(TicketRecord.by_code.query(canonical, limit=1)), None)
