"""Writes to orders and tickets."""

import secrets
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import MapAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.audit import audit_entry
from chalicelib.errors import InvalidState, NotFound
from chalicelib.idempotency import (
    fingerprint,
    idempotency_claim,
    idempotency_done,
    idempotency_release,
    idempotency_replan,
)
from chalicelib.observability import Metric, current_correlation_id, publish_metrics
from chalicelib.orders.domain import (
    STATUS_EVENT_RETENTION,
    ChangeOutcome,
    ChangeSource,
    OrderStatus,
    TicketStatus,
    can_cancel,
    decide_status_change,
    new_order_id,
    order_status_from_tickets,
)
from chalicelib.orders.models import (
    ORDER_SORT_KEY,
    TICKET_COUNT_ATTRIBUTES,
    OrderRecord,
    StatusChangeEntry,
    TicketRecord,
    month_of,
    order_partition,
    order_status,
    search_text,
    ticket_counts,
    ticket_sort_key,
)
from chalicelib.orders.selectors import (
    OrderWithTickets,
    TicketWithOrder,
    order_get,
    ticket_key_by_code,
    ticket_with_order,
)
from chalicelib.orders.stored_status import (
    counts_as_read,
    stored_status_actions,
    stored_status_after,
    stored_status_values,
)
from chalicelib.storage import (
    CONDITION_FAILED,
    TRANSACTION_CONFLICT,
    LostRace,
    cancellation_codes,
    is_condition_failure,
    transact_write,
    with_retries,
)
from chalicelib.users.permissions import Principal

# A fresh id collides with an existing order only when two orders are created in
# the same millisecond and draw the same 12 random bits; the write's condition
# catches that, and a new id is drawn.
ORDER_ID_ATTEMPTS = 3
ORDER_ID_BUSY = "Could not allocate an order id. Try again."
# Two writers changing one ticket (or one order's counts) at once: the loser
# re-reads and tries again, after a short random pause.
TICKET_UPDATE_ATTEMPTS = 5


def _draw_order_id() -> int:
    return new_order_id(now_ms=time.time_ns() // 1_000_000, random_bits=secrets.randbits(12))


@dataclass(frozen=True)
class OrderPlan:
    """What a new order will be, fixed before it is written: its id, its tickets' codes, its time."""

    order_id: int
    ticket_codes: tuple[str, ...]
    created_at: datetime

    @classmethod
    def draw(cls, ticket_count: int) -> "OrderPlan":
        codes = tuple(str(uuid.uuid4()) for _ in range(ticket_count))
        return cls(order_id=_draw_order_id(), ticket_codes=codes, created_at=datetime.now(UTC))

    def as_json(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "ticket_codes": list(self.ticket_codes),
            "created_at": self.created_at.isoformat(),
        }

    @classmethod
    def from_json(cls, plan: dict[str, Any]) -> "OrderPlan":
        return cls(int(plan["order_id"]), tuple(plan["ticket_codes"]), datetime.fromisoformat(plan["created_at"]))


def order_record(
    *,
    order_id: int,
    owner_id: str | None,
    customer_name: str,
    customer_phone: str,
    comment: str,
    counts: Mapping[TicketStatus, int],
    created_at: datetime,
    updated_at: datetime,
    cancelled_at: datetime | None = None,
    imported_at: datetime | None = None,
    correlation_id: str | None = None,
) -> OrderRecord:
    """An order item, not yet written, with its tickets' counts and what
    derives from them and from its fields (stored status, months, search text)."""
    created_month = month_of(created_at)
    status = order_status_from_tickets(counts, cancelled=cancelled_at is not None)
    return OrderRecord(
        order_partition(order_id),
        ORDER_SORT_KEY,
        order_id=order_id,
        owner_id=owner_id,
        customer_name=customer_name,
        customer_phone=customer_phone,
        comment=comment,
        ticket_total=sum(counts.values()),
        **{
            attribute.attr_name: counts.get(ticket_status, 0)
            for ticket_status, attribute in TICKET_COUNT_ATTRIBUTES.items()
        },
        cancelled_at=cancelled_at,
        created_month=created_month,
        **stored_status_values(status, created_month),
        search_text=search_text(customer_name, customer_phone),
        created_at=created_at,
        updated_at=updated_at,
        imported_at=imported_at,
        correlation_id=correlation_id,
    )


def ticket_record(
    *,
    order_id: int,
    code: str,
    position: int,
    status: TicketStatus,
    product_codes: list[str],
    created_at: datetime,
    updated_at: datetime,
    history: list[StatusChangeEntry] | None = None,
) -> TicketRecord:
    """A ticket item, not yet written. Reports older than its history's last
    change are stale, as for a ticket changed here."""
    return TicketRecord(
        order_partition(order_id),
        ticket_sort_key(code),
        ticket_code=code,
        order_id=order_id,
        position=position,
        status=status.value,
        product_codes=product_codes,
        last_change_at=history[-1].occurred_at if history else None,
        history=history,
        created_at=created_at,
        updated_at=updated_at,
    )


def new_order_records(
    *,
    plan: OrderPlan,
    owner_id: str,
    customer_name: str,
    customer_phone: str,
    comment: str,
    tickets: list[list[str]],
) -> OrderWithTickets:
    """A new order and its tickets as items, not yet written."""
    order_id, now = plan.order_id, plan.created_at
    order = order_record(
        order_id=order_id,
        owner_id=owner_id,
        customer_name=customer_name,
        customer_phone=customer_phone,
        comment=comment,
        counts={TicketStatus.NEW: len(tickets)},
        created_at=now,
        updated_at=now,
        correlation_id=current_correlation_id(),
    )
    ticket_records = [
        ticket_record(
            order_id=order_id,
            code=code,
            position=position,
            status=TicketStatus.NEW,
            product_codes=product_codes,
            created_at=now,
            updated_at=now,
        )
        for position, (code, product_codes) in enumerate(zip(plan.ticket_codes, tickets, strict=True))
    ]
    return OrderWithTickets(order=order, tickets=ticket_records)


def _write_new_order(records: OrderWithTickets) -> bool:
    """The order and all its tickets in one transaction, all or nothing; False
    when its id is taken (a collision, or this very plan written before)."""
    try:
        with transact_write() as transaction:
            transaction.save(records.order, condition=OrderRecord.pk.does_not_exist())
            for ticket in records.tickets:
                transaction.save(ticket, condition=TicketRecord.pk.does_not_exist())
    except TransactWriteError as error:
        if CONDITION_FAILED in cancellation_codes(error):
            return False
        raise
    publish_metrics({Metric.ORDERS_CREATED: 1, Metric.TICKETS_PER_ORDER: len(records.tickets)})
    return True


def _written_before(records: OrderWithTickets) -> bool:
    """Whether this plan's order exists: the same id, owner and time."""
    stored = order_get(order_id=int(records.order.order_id))
    return (
        stored is not None
        and stored.owner_id == records.order.owner_id
        and stored.created_at == records.order.created_at
    )


def order_create(
    *, owner_id: str, customer_name: str, customer_phone: str, comment: str, tickets: list[list[str]]
) -> OrderWithTickets:
    """Write the order and all its tickets in one transaction: all or nothing."""

    def attempt() -> OrderWithTickets:
        records = new_order_records(
            plan=OrderPlan.draw(len(tickets)),
            owner_id=owner_id,
            customer_name=customer_name,
            customer_phone=customer_phone,
            comment=comment,
            tickets=tickets,
        )
        if not _write_new_order(records):
            raise LostRace  # the id was taken: draw another
        return records

    return with_retries(attempt, attempts=ORDER_ID_ATTEMPTS, busy=ORDER_ID_BUSY)


def order_create_once(
    *,
    idempotency_key: str,
    owner_id: str,
    customer_name: str,
    customer_phone: str,
    comment: str,
    tickets: list[list[str]],
) -> tuple[OrderWithTickets, bool]:
    """order_create under the caller's idempotency key (chalicelib.idempotency):
    one order per owner and key, however often and however concurrently it is
    sent, and whichever step a process died after. Returns the order, and
    whether an earlier request made it (the answer is then a replay)."""
    asked = {"customer_name": customer_name, "customer_phone": customer_phone, "comment": comment, "tickets": tickets}
    claim = idempotency_claim(
        scope=owner_id,
        key=idempotency_key,
        request_fingerprint=fingerprint(asked),
        new_plan=lambda: OrderPlan.draw(len(tickets)).as_json(),
    )

    def attempt() -> tuple[OrderWithTickets, bool]:
        records = new_order_records(plan=OrderPlan.from_json(claim.plan), owner_id=owner_id, **asked)
        if claim.done:
            return records, True
        try:
            written = _write_new_order(records)
            if not written and not _written_before(records):
                idempotency_replan(claim, OrderPlan.draw(len(tickets)).as_json())
                raise LostRace  # the id was another order's: draw another
            idempotency_done(claim)
        except LostRace:
            raise
        except Exception:
            # Whether or not the order was written, the next request with the key carries out this plan.
            idempotency_release(claim)
            raise
        return records, not written

    return with_retries(attempt, attempts=ORDER_ID_ATTEMPTS, busy=ORDER_ID_BUSY)


@dataclass(frozen=True)
class StatusChange:
    """What a status report did to a ticket."""

    ticket: TicketRecord
    outcome: ChangeOutcome


def _remembered_events(ticket: TicketRecord, now: datetime) -> dict[str, Any]:
    """The ticket's status events not yet forgotten (STATUS_EVENT_RETENTION after they were taken)."""
    events = ticket.status_events or {}
    if isinstance(events, MapAttribute):  # as read; in memory after a write, a dict
        events = events.as_dict()
    return {event_id: entry for event_id, entry in events.items() if int(entry["expires_at"]) > now.timestamp()}


@dataclass(frozen=True)
class _TicketChange:
    """One status report's change to a ticket, described once: it produces the
    transaction's writes and the ticket's state after them."""

    found: TicketWithOrder
    previous: TicketStatus
    status: TicketStatus
    outcome: ChangeOutcome
    reported_at: datetime
    now: datetime
    source: ChangeSource
    integrator: str | None
    event_id: str | None
    correlation_id: str | None

    @property
    def ticket(self) -> TicketRecord:
        return self.found.ticket

    def _new_values(self) -> list[tuple[Any, Any]]:
        # (attribute, value) pairs: PynamoDB's attributes are not hashable.
        values: list[tuple[Any, Any]] = [(TicketRecord.version, int(self.ticket.version) + 1)]
        if self.outcome is not ChangeOutcome.STALE:
            values += [
                (TicketRecord.status, self.status.value),
                (TicketRecord.last_change_at, self.reported_at),
                (TicketRecord.updated_at, self.now),
            ]
        if self.outcome is ChangeOutcome.APPLIED:
            entry = StatusChangeEntry(
                from_status=self.previous.value,
                to_status=self.status.value,
                occurred_at=self.reported_at,
                recorded_at=self.now,
                source=self.source.value,
                integrator=self.integrator,
                event_id=self.event_id,
            )
            values.append((TicketRecord.history, [*(self.ticket.history or []), entry]))
            values.append((TicketRecord.correlation_id, self.correlation_id))
        if self.event_id is not None:
            taken = {"outcome": self.outcome.value, "expires_at": int((self.now + STATUS_EVENT_RETENTION).timestamp())}
            remembered = _remembered_events(self.ticket, self.now)
            values.append((TicketRecord.status_events, {**remembered, self.event_id: taken}))
        return values

    def write(self, transaction: TransactWrite) -> None:
        """The ticket (with its history), on the version it was read at; when
        applied, its order's counts and stored status (stored_status.py)."""
        ticket = self.ticket
        transaction.update(
            ticket,
            actions=[_set(attribute, value) for attribute, value in self._new_values()],
            condition=TicketRecord.version == int(ticket.version),
        )
        if self.outcome is not ChangeOutcome.APPLIED:
            return
        order = self.found.order
        transaction.update(
            OrderRecord(order.pk, ORDER_SORT_KEY),
            actions=[
                TICKET_COUNT_ATTRIBUTES[self.previous].add(-1),
                TICKET_COUNT_ATTRIBUTES[self.status].add(1),
                OrderRecord.updated_at.set(self.now),
                _set(OrderRecord.correlation_id, self.correlation_id),
                *stored_status_after(order, self.previous, self.status),
            ],
            condition=OrderRecord.pk.exists(),
        )

    def apply(self) -> None:
        """The same new values on the ticket in memory, once the transaction has committed."""
        for attribute, value in self._new_values():
            setattr(self.ticket, attribute.attr_name, value)


def _set(attribute: Any, value: Any) -> Any:
    """The update action giving an attribute this value; None removes it (PynamoDB sets no null)."""
    return attribute.remove() if value is None else attribute.set(value)


def _audit(change: _TicketChange, transaction: TransactWrite, audited_as: Principal) -> None:
    """The admin's audit entry, in the change's transaction."""
    taken = change.status if change.outcome is ChangeOutcome.APPLIED else change.previous
    transaction.save(
        audit_entry(
            actor=audited_as,
            action="ticket.change_status",
            target_type="ticket",
            target_id=change.ticket.ticket_code,
            before={"status": change.previous.value},
            after={"status": taken.value},
        )
    )


def ticket_change_status(
    *,
    code: str,
    status: TicketStatus,
    source: ChangeSource,
    event_id: str | None = None,
    occurred_at: datetime | None = None,
    audited_as: Principal | None = None,
    integrator: str | None = None,
) -> StatusChange:
    """Take a status report for a ticket, from the API (signed by `integrator`
    or not), a queue or the admin.

    One transaction writes everything a report causes: the ticket (with the
    report's event id, which makes a second delivery a no-op, and the change
    in its history), its order's counts and stored status, and for the admin
    the audit entry. Each round reads the ticket and its order consistently, and writes
    on what it read; a round that lost to another writer reads again.
    """
    key = ticket_key_by_code(code=code)
    if key is None:
        raise NotFound("No ticket with this code.")

    def attempt() -> StatusChange:
        found = ticket_with_order(key)
        if found is None:
            raise NotFound("No ticket with this code.")
        ticket, now = found.ticket, datetime.now(UTC)
        if event_id is not None and event_id in _remembered_events(ticket, now):
            return StatusChange(ticket=ticket, outcome=ChangeOutcome.DUPLICATE)
        # A report without a time is about "now", which is never older than the
        # latest report taken, even one stamped a little ahead by a sender's clock.
        reported_at = occurred_at or max(now, ticket.last_change_at or now)
        previous = TicketStatus(ticket.status)
        outcome = decide_status_change(
            current=previous, requested=status, last_change_at=ticket.last_change_at, occurred_at=reported_at
        )
        if outcome is ChangeOutcome.STALE and event_id is None:
            return StatusChange(ticket=ticket, outcome=outcome)
        change = _TicketChange(
            found, previous, status, outcome, reported_at, now, source, integrator, event_id, current_correlation_id()
        )
        try:
            with transact_write() as transaction:
                change.write(transaction)
                if audited_as is not None:
                    _audit(change, transaction, audited_as)
        except TransactWriteError as error:
            if {CONDITION_FAILED, TRANSACTION_CONFLICT} & cancellation_codes(error):
                raise LostRace from None  # another writer moved the ticket or its order: read again
            raise
        change.apply()
        return StatusChange(ticket=ticket, outcome=outcome)

    change = with_retries(
        attempt, attempts=TICKET_UPDATE_ATTEMPTS, busy="The ticket is being changed by others. Try again."
    )
    publish_metrics({Metric.STATUS_REPORTS: 1}, outcome=change.outcome.value, source=_report_source(source, integrator))
    return change


def _report_source(source: ChangeSource, integrator: str | None) -> str:
    """A status report's source as its metrics name it: api, sqs, admin, or
    integrator:<name> for a signed report (integrators' names are few, and no person's)."""
    return f"{source.value}:{integrator}" if integrator is not None else source.value


def order_cancel(*, order_id: int, owner_id: str) -> OrderRecord:
    """Cancel the caller's order while it is still PENDING (the domain's rule,
    on the order as read); the write's condition, that nothing changed since,
    makes the check and the change one step against concurrent ticket updates."""
    order = order_get(order_id=order_id)
    if order is None or order.owner_id != owner_id:
        raise NotFound("No order with this id.")

    def attempt() -> OrderRecord:
        if not can_cancel(ticket_counts(order), cancelled=order.cancelled_at is not None):
            raise InvalidState(f"Only a PENDING order can be cancelled; this one is {order_status(order)}.")
        now = datetime.now(UTC)
        try:
            order.update(
                actions=[
                    OrderRecord.cancelled_at.set(now),
                    OrderRecord.updated_at.set(now),
                    _set(OrderRecord.correlation_id, current_correlation_id()),
                    *stored_status_actions(OrderStatus.CANCELLED, order.created_month),
                ],
                condition=OrderRecord.cancelled_at.does_not_exist() & counts_as_read(order),
            )
        except UpdateError as error:
            if not is_condition_failure(error):
                raise
            order.refresh(consistent_read=True)
            raise LostRace from None
        return order

    return with_retries(
        attempt, attempts=TICKET_UPDATE_ATTEMPTS, busy="The order is being changed by others. Try again."
    )
