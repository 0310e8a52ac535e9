"""Reads of orders and tickets. Each is one GetItem or one Query."""

import uuid
from dataclasses import dataclass, field

from chalicelib.orders.models import (
    ORDER_SORT_KEY,
    HistoryRecord,
    OrderRecord,
    OrdersTableItem,
    TicketRecord,
    order_partition,
)
from chalicelib.pages import Page


@dataclass(frozen=True)
class OrderWithTickets:
    order: OrderRecord
    tickets: list[TicketRecord]
    # Each ticket's applied changes, oldest first, by ticket code.
    history: dict[str, list[HistoryRecord]] = field(default_factory=dict)


def order_get(*, order_id: int) -> OrderRecord | None:
    try:
        return OrderRecord.get(order_partition(order_id), ORDER_SORT_KEY, consistent_read=True)
    except OrderRecord.DoesNotExist:
        return None


def order_get_with_tickets(*, order_id: int) -> OrderWithTickets | None:
    """The order with its tickets and their history, or None.
    One consistent Query of the order's partition."""
    order: OrderRecord | None = None
    tickets: list[TicketRecord] = []
    history: dict[str, list[HistoryRecord]] = {}
    for item in OrdersTableItem.query(order_partition(order_id), consistent_read=True):
        if isinstance(item, OrderRecord):
            order = item
        elif isinstance(item, TicketRecord):
            tickets.append(item)
        elif isinstance(item, HistoryRecord):
            history.setdefault(item.ticket_code, []).append(item)
    if order is None:
        return None
    tickets.sort(key=lambda ticket: ticket.position)
    return OrderWithTickets(order=order, tickets=tickets, history=history)


def order_list_for_owner(*, owner_id: str, limit: int, before_order_id: int | None = None) -> Page[OrderRecord]:
    """A page of the owner's orders, newest first, starting below before_order_id."""
    range_condition = OrderRecord.order_id < before_order_id if before_order_id is not None else None
    # One item beyond the page tells whether another page exists, in the same Query.
    orders = list(OrderRecord.by_owner.query(owner_id, range_condition, scan_index_forward=False, limit=limit + 1))
    page = orders[:limit]
    return Page(items=page, resume={"before": int(page[-1].order_id)} if len(orders) > limit else None)


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
