"""Reads of orders and tickets: one GetItem or Query, and for what an index
found (its keys only), one BatchGetItem of the items themselves."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.orders.models import (
    ORDER_SORT_KEY,
    OrderRecord,
    OrdersTableItem,
    TicketRecord,
    order_id_of,
    order_partition,
    ticket_sort_key,
)
from chalicelib.pages import Page


@dataclass(frozen=True)
class OrderWithTickets:
    order: OrderRecord
    tickets: list[TicketRecord]


def order_get(*, order_id: int) -> OrderRecord | None:
    try:
        return OrderRecord.get(order_partition(order_id), ORDER_SORT_KEY, consistent_read=True)
    except OrderRecord.DoesNotExist:
        return None


def order_get_with_tickets(*, order_id: int) -> OrderWithTickets | None:
    """The order with its tickets (each with its history), or None.
    One consistent Query of the order's partition."""
    order: OrderRecord | None = None
    tickets: list[TicketRecord] = []
    for item in OrdersTableItem.query(order_partition(order_id), consistent_read=True):
        if isinstance(item, OrderRecord):
            order = item
        elif isinstance(item, TicketRecord):
            tickets.append(item)
    if order is None:
        return None
    tickets.sort(key=lambda ticket: ticket.position)
    return OrderWithTickets(order=order, tickets=tickets)


def orders_by_id(order_ids: Iterable[int]) -> list[OrderRecord]:
    """The orders with these ids, in this order (those that exist): what a
    keys-only index found, read in one BatchGetItem per 100."""
    wanted = [int(order_id) for order_id in order_ids]
    found = {
        int(order.order_id): order
        for order in OrderRecord.batch_get([(order_partition(order_id), ORDER_SORT_KEY) for order_id in wanted])
    }
    return [found[order_id] for order_id in wanted if order_id in found]


def order_list_for_owner(*, owner_id: str, limit: int, before_order_id: int | None = None) -> Page[OrderRecord]:
    """A page of the owner's orders, newest first, starting below before_order_id."""
    range_condition = OrderRecord.order_id < before_order_id if before_order_id is not None else None
    # One entry beyond the page tells whether another page exists, in the same Query.
    entries = list(OrderRecord.by_owner.query(owner_id, range_condition, scan_index_forward=False, limit=limit + 1))
    page = entries[:limit]
    resume = {"before": int(page[-1].order_id)} if len(entries) > limit else None
    return Page(items=orders_by_id(entry.order_id for entry in page), resume=resume)


def canonical_ticket_code(code: str) -> str | None:
    try:
        return str(uuid.UUID(code))
    except ValueError:
        return None


@dataclass(frozen=True)
class TicketKey:
    order_id: int
    code: str  # canonical: lower case, hyphenated


def ticket_key_by_code(*, code: str) -> TicketKey | None:
    """Where the ticket is, from the ticket_code-index (which holds keys only)."""
    canonical = canonical_ticket_code(code)
    if canonical is None:
        return None
    entry = next(iter(TicketRecord.by_code.query(canonical, limit=1)), None)
    return None if entry is None else TicketKey(order_id=order_id_of(entry.pk), code=canonical)


@dataclass(frozen=True)
class TicketWithOrder:
    ticket: TicketRecord
    order: OrderRecord


def ticket_with_order(key: TicketKey) -> TicketWithOrder | None:
    """The ticket and its order as they are now: one consistent BatchGetItem."""
    partition = order_partition(key.order_id)
    items = OrdersTableItem.batch_get(
        [(partition, ORDER_SORT_KEY), (partition, ticket_sort_key(key.code))], consistent_read=True
    )
    by_kind = {type(item): item for item in items}
    if TicketRecord not in by_kind or OrderRecord not in by_kind:
        return None
    return TicketWithOrder(ticket=by_kind[TicketRecord], order=by_kind[OrderRecord])
