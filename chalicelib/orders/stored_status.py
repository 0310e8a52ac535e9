"""An order's stored status: the one writer of the copy.

The rule is the domain's (order_status_from_tickets, on the ticket counts):
requests read the status from the counts, which are always current. A copy
is stored on the order, with its created month, for the admin's status
index, which cannot index a derivation. Every write of that copy goes
through this module: the new order's, the cancel's, and the stream
handler's sync after ticket changes.
"""

from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition

from chalicelib.orders.domain import OrderStatus
from chalicelib.orders.models import TICKET_COUNT_ATTRIBUTES, OrderRecord, order_status, status_month
from chalicelib.storage import is_condition_failure


def stored_status_values(status: OrderStatus, created_month: str) -> dict[str, str]:
    """The copy's attributes for a new order item, by name."""
    return {"status": status.value, "status_month": status_month(status, created_month)}


def stored_status_actions(status: OrderStatus, created_month: str) -> list[Any]:
    """The copy's attributes as an update's actions."""
    values = stored_status_values(status, created_month)
    return [getattr(OrderRecord, name).set(value) for name, value in values.items()]


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
