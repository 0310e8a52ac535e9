"""An order's stored status: the one writer of the copy.

The rule is the domain's (order_status_from_tickets, on the ticket counts):
requests read the status from the counts, which are always current. A copy
is stored on the order, with its created month, for the admin's status
index, which cannot index a derivation. Every write of that copy goes
through this module:

- with what it derives from, in the same write: the new order, a cancel,
  and a ticket change, which derives it from the counts it read plus its own
  move. It is not conditioned on those counts, so that changes of different
  tickets of one order do not queue behind each other; when two of them
  race, the copy may be left one step behind;
- the stream handler's sync, which derives it again from each committed
  version of the order and writes only when the copy is behind: after a
  race, not otherwise (so it costs nothing in the common case).
"""

from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition

from chalicelib.orders.domain import OrderStatus, TicketStatus, order_status_from_tickets
from chalicelib.orders.models import TICKET_COUNT_ATTRIBUTES, OrderRecord, order_status, status_month, ticket_counts
from chalicelib.storage import is_condition_failure


def stored_status_values(status: OrderStatus, created_month: str) -> dict[str, str]:
    """The copy's attributes for a new order item, by name."""
    return {"status": status.value, "status_month": status_month(status, created_month)}


def stored_status_actions(status: OrderStatus, created_month: str) -> list[Any]:
    """The copy's attributes as an update's actions."""
    values = stored_status_values(status, created_month)
    return [getattr(OrderRecord, name).set(value) for name, value in values.items()]


def stored_status_after(order: OrderRecord, moved_from: TicketStatus, moved_to: TicketStatus) -> list[Any]:
    """The copy's actions for a ticket change that moves one ticket of `order`
    (as read) from one status to another, in the same update as the counts."""
    counts = ticket_counts(order)
    counts[moved_from] -= 1
    counts[moved_to] += 1
    derived = order_status_from_tickets(counts, cancelled=order.cancelled_at is not None)
    return stored_status_actions(derived, order.created_month)


def counts_as_read(order: OrderRecord) -> Condition:
    """A write's condition: the order's ticket counts are still those it was read with."""
    unchanged = OrderRecord.pk.exists()
    for attribute in TICKET_COUNT_ATTRIBUTES.values():
        unchanged &= attribute == getattr(order, attribute.attr_name)
    return unchanged


def stored_status_sync(*, order: OrderRecord) -> bool:
    """Bring the stored copy in line with the counts of this version of the
    order. The write is conditioned on the counts it was derived from: if
    they moved meanwhile, a later stream record carries the newer state and
    syncs it. Returns whether it wrote."""
    derived = order_status(order)
    if order.status == derived.value:
        return False
    try:
        order.update(actions=stored_status_actions(derived, order.created_month), condition=counts_as_read(order))
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise
    return True
