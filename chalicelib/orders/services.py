"""Writes to orders and tickets."""

import secrets
import time
import uuid
from datetime import UTC, datetime

from pynamodb.exceptions import TransactWriteError

from chalicelib.errors import Busy, NotFound
from chalicelib.orders.domain import TicketStatus, new_order_id
from chalicelib.orders.models import (
    ORDER_SORT_KEY,
    TICKET_COUNT_ATTRIBUTES,
    OrderRecord,
    TicketRecord,
    order_partition,
    ticket_sort_key,
)
from chalicelib.orders.selectors import OrderWithTickets, ticket_get_by_code
from chalicelib.storage import CONDITION_FAILED, TRANSACTION_CONFLICT, cancellation_codes, transact_write

# A fresh id collides with an existing order only when two orders are created in
# the same millisecond and draw the same 12 random bits; the write's condition
# catches that, and a new id is drawn.
ORDER_ID_ATTEMPTS = 3
# Two writers changing one ticket at once: the loser re-reads and tries again.
TICKET_UPDATE_ATTEMPTS = 3


def _draw_order_id() -> int:
    return new_order_id(now_ms=time.time_ns() // 1_000_000, random_bits=secrets.randbits(12))


def order_create(
    *, owner_id: str, customer_name: str, customer_phone: str, comment: str, tickets: list[list[str]]
) -> OrderWithTickets:
    """Write the order and all its tickets in one transaction: all or nothing."""
    for _ in range(ORDER_ID_ATTEMPTS):
        now = datetime.now(UTC)
        order_id = _draw_order_id()
        order = OrderRecord(
            order_partition(order_id),
            ORDER_SORT_KEY,
            order_id=order_id,
            owner_id=owner_id,
            customer_name=customer_name,
            customer_phone=customer_phone,
            comment=comment,
            tickets_new=len(tickets),
            created_at=now,
            updated_at=now,
        )
        ticket_records = []
        for position, product_codes in enumerate(tickets):
            code = str(uuid.uuid4())
            ticket_records.append(
                TicketRecord(
                    order_partition(order_id),
                    ticket_sort_key(code),
                    ticket_code=code,
                    order_id=order_id,
                    position=position,
                    status=TicketStatus.NEW.value,
                    product_codes=product_codes,
                    created_at=now,
                    updated_at=now,
                )
            )
        try:
            with transact_write() as transaction:
                transaction.save(order, condition=OrderRecord.pk.does_not_exist())
                for ticket in ticket_records:
                    transaction.save(ticket, condition=TicketRecord.pk.does_not_exist())
        except TransactWriteError as error:
            if CONDITION_FAILED in cancellation_codes(error):
                continue
            raise
        return OrderWithTickets(order=order, tickets=ticket_records)
    raise Busy("Could not allocate an order id. Try again.")


def ticket_update_status(*, code: str, status: TicketStatus) -> TicketRecord:
    """Set a ticket's status and move its order's counts with it, atomically."""
    ticket = ticket_get_by_code(code=code)
    if ticket is None:
        raise NotFound("No ticket with this code.")
    for _ in range(TICKET_UPDATE_ATTEMPTS):
        previous = TicketStatus(ticket.status)
        if previous == status:
            return ticket
        now = datetime.now(UTC)
        try:
            with transact_write() as transaction:
                transaction.update(
                    ticket,
                    actions=[TicketRecord.status.set(status.value), TicketRecord.updated_at.set(now)],
                    condition=TicketRecord.status == previous.value,
                )
                transaction.update(
                    OrderRecord(ticket.pk, ORDER_SORT_KEY),
                    actions=[
                        TICKET_COUNT_ATTRIBUTES[previous].add(-1),
                        TICKET_COUNT_ATTRIBUTES[status].add(1),
                        OrderRecord.updated_at.set(now),
                    ],
                    condition=OrderRecord.pk.exists(),
                )
        except TransactWriteError as error:
            reasons = cancellation_codes(error)
            if CONDITION_FAILED in reasons:
                # Someone changed the ticket since the (eventually consistent)
                # index read: read the item itself, consistently, and try again.
                ticket.refresh(consistent_read=True)
            elif TRANSACTION_CONFLICT not in reasons:
                raise
            continue
        ticket.status = status.value
        ticket.updated_at = now
        return ticket
    raise Busy("The ticket is being changed by others. Try again.")
