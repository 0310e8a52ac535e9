"""The seed's users, orders and tickets, written into a stage's tables.

Nothing already in Catalyst is ever overwritten:

- A user is one conditional PutItem (its email must be free). When the
  email is taken, the item says by whom: this very seed user (already there),
  another seed user whose email differs only in case (refused: the active
  account, else the older, was imported first and keeps it), or an account
  registered in Catalyst (refused).
- An order is visible only through its order item: the tickets' status
  reports, the owner's list and the detail all need it. So an order's tickets
  are written first, in BatchWriteItem calls of 25 (no transaction, and no
  limit on how many), and the order item after every one of them is stored.
  An order whose item exists is already there and is not touched, tickets
  included, so a status reported after the switch survives a re-run. Tickets
  written by a run that was killed before their order item are invisible, and
  the next run writes them again. No transaction is needed, and none is used.
- The seed's order ids are small serial integers; Catalyst's own ids are
  milliseconds since 2026-01-01 shifted by 12 bits, so every id it draws is
  above SEED_ORDER_ID_LIMIT (ids of 2026-01-02 on). A seed id at or above it is refused.
"""

import json
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError
from pynamodb.exceptions import PutError

from chalicelib.orders.domain import ORDER_ID_EPOCH_MS, ChangeSource, OrderStatus, TicketStatus, order_id_bound
from chalicelib.orders.models import ORDER_SORT_KEY, OrderRecord, OrdersTableItem, StatusChangeEntry, order_partition
from chalicelib.orders.schemas import CustomerPhone
from chalicelib.orders.selectors import canonical_ticket_code
from chalicelib.orders.services import order_record, ticket_record
from chalicelib.storage import is_condition_failure
from chalicelib.tables import TABLES
from chalicelib.users.django_hashes import is_django_hash
from chalicelib.users.domain import normalize_email
from chalicelib.users.legacy_tokens import legacy_token_digest
from chalicelib.users.models import UserRecord
from chalicelib.users.permissions import ALL_PERMISSIONS
from chalicelib.users.selectors import user_get_by_email
from chalicelib.users.services import initial_permissions
from infra.seed.database import SeedDatabase, SeedOrder, SeedTicket, SeedUser

# A fixed namespace: the same seed user gets the same Catalyst id on every run.
SEED_USER_NAMESPACE = uuid.UUID("6f1d2b4e-7c1a-4f7e-9a53-5e0c8d2b9a10")
SEED_ORDER_ID_LIMIT = order_id_bound(at_ms=ORDER_ID_EPOCH_MS + 24 * 3600 * 1000, last=False)
# One DynamoDB item holds at most 400 KB; an order or ticket larger than this is refused.
MAX_ITEM_BYTES = 400 * 1024
# Orders (and tickets) read, checked and written together: one BatchGetItem of
# up to 100 order keys, then the tickets in calls of 25, then the orders.
ORDERS_PER_CHUNK = 100
TICKETS_PER_CHUNK = 2_000
_PHONE = TypeAdapter(CustomerPhone)
TICKET_STATUSES = frozenset(status.value for status in TicketStatus)

T = TypeVar("T")
C = TypeVar("C")


def catalyst_user_id(seed_id: int) -> str:
    return uuid.uuid5(SEED_USER_NAMESPACE, f"users_user:{seed_id}").hex


@dataclass
class KindReport:
    imported: int = 0
    already_there: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class ImportReport:
    users: KindReport = field(default_factory=KindReport)
    orders: KindReport = field(default_factory=KindReport)
    tickets: KindReport = field(default_factory=KindReport)
    # What moved differently from the seed, but moved: message -> seed ids.
    warnings: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    @property
    def refusals(self) -> int:
        return sum(len(kind.refused) for kind in (self.users, self.orders, self.tickets))


class Refused(Exception):
    """A row that cannot be stored; the message is the reason."""


def with_children(
    parents: Iterable[T],
    children: Iterable[C],
    *,
    parent_key: Callable[[T], Any],
    child_key: Callable[[C], Any],
    orphan: Callable[[C], None],
) -> Iterator[tuple[T, list[C]]]:
    """Each parent with its children, from two streams sorted by the same
    key: a merge join, holding one parent's children at a time."""
    pending = iter(children)
    child = next(pending, None)
    for parent in parents:
        key = parent_key(parent)
        while child is not None and child_key(child) < key:
            orphan(child)
            child = next(pending, None)
        own = []
        while child is not None and child_key(child) == key:
            own.append(child)
            child = next(pending, None)
        yield parent, own
    while child is not None:
        orphan(child)
        child = next(pending, None)


def _item_bytes(item: Any) -> int:
    return len(json.dumps(item.serialize(), ensure_ascii=False).encode())


class SeedImport:
    """One run: reads the seed's database, writes (unless dry_run) and reports.
    `progress(kind, rows)` is told of every row read."""

    def __init__(self, database: SeedDatabase, *, dry_run: bool, progress: Callable[[str, int], None]) -> None:
        self.database = database
        self.dry_run = dry_run
        self.progress = progress
        self.report = ImportReport()
        self.started_at = datetime.now(UTC)
        # Seed users who were not imported; their orders move without an owner.
        self._refused_users: set[int] = set()
        # A dry run writes nothing, so it remembers which emails this run would have taken.
        self._claimed: dict[str, int] = {}

    @staticmethod
    def check_stage() -> None:
        """The stage's tables exist and answer (PynamoDBException if not), before anything is read."""
        for model in TABLES.values():
            model.describe_table()

    def run(self) -> ImportReport:
        self._import_users()
        self._import_orders()
        return self.report

    def _warn(self, message: str, seed_id: int) -> None:
        self.report.warnings[message].append(seed_id)

    # Users

    def _import_users(self) -> None:
        def orphan(_permission: tuple[bool, int, str]) -> None:  # a join's row always has its user
            raise AssertionError("a permission row without its user")

        rows = with_children(
            self.database.users(),
            self.database.permissions(),
            parent_key=lambda user: (not user.is_active, user.seed_id),
            child_key=lambda permission: (not permission[0], permission[1]),
            orphan=orphan,
        )
        for seed_user, permissions in rows:
            self.progress("users", 1)
            try:
                self._import_user(seed_user, {name for _active, _id, name in permissions})
            except Refused as refusal:
                self.report.users.refused.append((seed_user.seed_id, str(refusal)))
                self._refused_users.add(seed_user.seed_id)

    def _user_record(self, seed: SeedUser, permissions: set[str]) -> UserRecord:
        email = seed.email.strip()
        if not email:
            raise Refused("no email address, which is the account's key in Catalyst")
        for unknown in sorted(permissions - ALL_PERMISSIONS):
            self._warn(f"permission {unknown} is not Catalyst's: dropped", seed.seed_id)
        if not is_django_hash(seed.password_hash):
            self._warn("password hash of an algorithm Catalyst cannot verify: cannot log in", seed.seed_id)
        if seed.token and not seed.is_active:
            self._warn("token of an inactive user not carried over (deactivation revokes tokens)", seed.seed_id)
        return UserRecord(
            email=normalize_email(email),
            email_as_typed=email,
            user_id=catalyst_user_id(seed.seed_id),
            password_hash=seed.password_hash,
            first_name=seed.first_name,
            last_name=seed.last_name,
            is_active=seed.is_active,
            is_staff=seed.is_staff,
            is_superuser=seed.is_superuser,
            permissions=initial_permissions(superuser=seed.is_superuser) | (permissions & ALL_PERMISSIONS),
            created_at=seed.date_joined,
            seed_user_id=seed.seed_id,
            legacy_token_digest=legacy_token_digest(seed.token) if seed.token and seed.is_active else None,
        )

    def _import_user(self, seed: SeedUser, permissions: set[str]) -> None:
        record = self._user_record(seed, permissions)
        if self._store_user(record):
            self.report.users.imported += 1
            return
        holder = user_get_by_email(email=record.email)
        holder_seed_id = self._claimed.get(record.email) if holder is None else holder.seed_user_id
        if holder is not None and holder_seed_id == seed.seed_id and holder.created_at != record.created_at:
            raise Refused(f"email {record.email_as_typed} belongs to a user imported from another seed database")
        if holder_seed_id == seed.seed_id:
            self.report.users.already_there += 1
        elif holder_seed_id is not None:
            raise Refused(
                f"email {record.email_as_typed} is seed user {holder_seed_id}'s too (they differ only in case); "
                f"{holder_seed_id} keeps it"
            )
        else:
            raise Refused(f"email {record.email_as_typed} belongs to an account registered in Catalyst")

    def _store_user(self, record: UserRecord) -> bool:
        """Write the user if its email is free; False if it is taken."""
        if self.dry_run:
            if user_get_by_email(email=record.email) is not None or record.email in self._claimed:
                return False
            self._claimed[record.email] = int(record.seed_user_id)
            return True
        try:
            record.save(condition=UserRecord.email.does_not_exist())
        except PutError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    # Orders and tickets

    def _import_orders(self) -> None:
        def orphan(ticket: SeedTicket) -> None:
            self.progress("tickets", 1)
            self.report.tickets.refused.append((ticket.seed_id, f"its order {ticket.order_seed_id} does not exist"))

        chunk: list[tuple[SeedOrder, list[SeedTicket]]] = []
        rows = with_children(
            self.database.orders(),
            self.database.tickets(),
            parent_key=lambda order: order.seed_id,
            child_key=lambda ticket: ticket.order_seed_id,
            orphan=orphan,
        )
        for order, tickets in rows:
            chunk.append((order, tickets))
            if len(chunk) >= ORDERS_PER_CHUNK or sum(len(t) for _o, t in chunk) >= TICKETS_PER_CHUNK:
                self._import_chunk(chunk)
                chunk = []
        if chunk:
            self._import_chunk(chunk)

    def _import_chunk(self, chunk: list[tuple[SeedOrder, list[SeedTicket]]]) -> None:
        converted = []
        for seed_order, seed_tickets in chunk:
            try:
                converted.append((seed_order, seed_tickets, *self._order_records(seed_order, seed_tickets)))
            except Refused as refusal:
                self._refuse_order(seed_order, seed_tickets, str(refusal))
        existing = self._existing_orders([seed_order.seed_id for seed_order, *_rest in converted])
        new, there = [], []
        for seed_order, seed_tickets, order, tickets in converted:
            if seed_order.seed_id not in existing:
                new.append((order, tickets))
            elif existing[seed_order.seed_id] == order.created_at:
                there.append(tickets)
            else:
                reason = "its id is taken by an order imported from another seed database"
                self._refuse_order(seed_order, seed_tickets, reason)
        if not self.dry_run and new:
            # Every ticket of these orders is stored before any of the orders appears.
            with OrdersTableItem.batch_write() as batch:
                for _order, tickets in new:
                    for ticket in tickets:
                        batch.save(ticket)
            with OrdersTableItem.batch_write() as batch:
                for order, _tickets in new:
                    batch.save(order)
        self.report.orders.imported += len(new)
        self.report.tickets.imported += sum(len(tickets) for _order, tickets in new)
        self.report.orders.already_there += len(there)
        self.report.tickets.already_there += sum(len(tickets) for tickets in there)
        self.progress("orders", len(chunk))
        self.progress("tickets", sum(len(tickets) for _order, tickets in chunk))

    def _refuse_order(self, order: SeedOrder, tickets: list[SeedTicket], reason: str) -> None:
        self.report.orders.refused.append((order.seed_id, reason))
        for ticket in tickets:
            self.report.tickets.refused.append((ticket.seed_id, f"its order {order.seed_id} was refused"))

    def _existing_orders(self, order_ids: list[int]) -> dict[int, datetime]:
        """Which of these orders exist, with their creation times: the same
        time is this import's order, another one an order of another database."""
        keys = [(order_partition(order_id), ORDER_SORT_KEY) for order_id in order_ids]
        wanted = ["pk", "sk", "kind", "order_id", "created_at"]
        return {
            int(order.order_id): order.created_at
            for order in OrderRecord.batch_get(keys, consistent_read=True, attributes_to_get=wanted)
        }

    def _owner(self, order: SeedOrder) -> str | None:
        if order.owner_seed_id is None:
            self._warn("order without an owner (deleted in the seed): only the admin sees it", order.seed_id)
            return None
        if order.owner_seed_id in self._refused_users:
            self._warn("order whose owner was refused: imported without an owner", order.seed_id)
            return None
        return catalyst_user_id(order.owner_seed_id)

    def _order_records(self, seed: SeedOrder, seed_tickets: list[SeedTicket]) -> tuple[OrderRecord, list[Any]]:
        if not 1 <= seed.seed_id < SEED_ORDER_ID_LIMIT:
            raise Refused(f"id outside 1 to {SEED_ORDER_ID_LIMIT - 1:,}, the range Catalyst keeps for the seed's ids")
        tickets = [self._ticket_record(seed.seed_id, position, ticket) for position, ticket in enumerate(seed_tickets)]
        try:
            _PHONE.validate_python(seed.customer_phone)
        except ValidationError:
            self._warn("customer phone that today's order form would refuse: kept as it is", seed.seed_id)
        counts: dict[TicketStatus, int] = defaultdict(int)
        for ticket in tickets:
            counts[TicketStatus(ticket.status)] += 1
        order = order_record(
            order_id=seed.seed_id,
            owner_id=self._owner(seed),
            customer_name=seed.customer_name,
            customer_phone=seed.customer_phone,
            comment=seed.comment,
            counts=counts,
            created_at=seed.created_at,
            updated_at=seed.updated_at,
            cancelled_at=seed.updated_at if seed.status == OrderStatus.CANCELLED.value else None,
            imported_at=self.started_at,
        )
        if _item_bytes(order) > MAX_ITEM_BYTES:
            raise Refused("larger than a DynamoDB item can be (400 KB)")
        return order, tickets

    def _ticket_record(self, order_id: int, position: int, seed: SeedTicket) -> Any:
        if seed.status not in TICKET_STATUSES:
            raise Refused(f"ticket {seed.seed_id}: status {seed.status!r} is not one of {', '.join(TicketStatus)}")
        if canonical_ticket_code(seed.code) != seed.code:
            raise Refused(f"ticket {seed.seed_id}: code {seed.code!r} is not a UUID")
        codes = seed.product_codes
        if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
            raise Refused(f"ticket {seed.seed_id}: product codes are not a list of strings")
        status = TicketStatus(seed.status)
        ticket = ticket_record(
            order_id=order_id,
            code=seed.code,
            position=position,
            status=status,
            product_codes=codes,
            created_at=seed.created_at,
            updated_at=seed.updated_at,
            # The seed kept no history; the ticket arrives in its status, at its last change.
            history=[
                StatusChangeEntry(
                    from_status=status.value,
                    to_status=status.value,
                    occurred_at=seed.updated_at,
                    recorded_at=self.started_at,
                    source=ChangeSource.IMPORT.value,
                )
            ],
        )
        if _item_bytes(ticket) > MAX_ITEM_BYTES:
            raise Refused(f"ticket {seed.seed_id}: larger than a DynamoDB item can be (400 KB)")
        return ticket
