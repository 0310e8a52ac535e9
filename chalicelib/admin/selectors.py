"""The admin's reads. Listings by status or date use indexes; free-text
search scans, bounded per request (chalicelib.storage.scan_page)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from itertools import batched, islice

from pynamodb.expressions.condition import Condition

from chalicelib.orders.domain import FIRST_MONTH, OrderStatus, order_id_bound
from chalicelib.orders.models import OrderRecord, month_of, status_month
from chalicelib.orders.selectors import orders_by_id
from chalicelib.pages import Page, newest_first_by_month
from chalicelib.storage import MAX_ITEMS_SCANNED_PER_REQUEST, scan_page
from chalicelib.users.domain import normalize_email
from chalicelib.users.models import UserRecord
from chalicelib.users.selectors import user_get_by_email


def users_page(*, query: str | None, limit: int, resume: dict | None) -> Page[UserRecord]:
    condition = UserRecord.email.contains(normalize_email(query)) if query else None
    users, next_key = scan_page(UserRecord, condition, limit=limit, start_key=resume)
    return Page(items=users, resume=next_key)


def _order_id_bound(day: date, *, end_of_day: bool) -> int:
    moment = datetime.combine(day, time.max if end_of_day else time.min, tzinfo=UTC)
    return order_id_bound(at_ms=int(moment.timestamp() * 1000), last=end_of_day)


@dataclass(frozen=True)
class OrderFilter:
    """The admin's order filters. Creation dates become order-id bounds, since
    ids grow with creation time, and are clamped to the months orders exist in."""

    status: OrderStatus | None = None
    created_from: date | None = None
    created_to: date | None = None

    @property
    def newest_day(self) -> date:
        today = datetime.now(UTC).date()
        return min(self.created_to, today) if self.created_to else today

    @property
    def oldest_month(self) -> str:
        if self.created_from is None:
            return FIRST_MONTH
        return max(month_of(datetime.combine(self.created_from, time.min)), FIRST_MONTH)

    def id_range(self, *, below: int | None = None) -> tuple[int, int]:
        low = _order_id_bound(self.created_from, end_of_day=False) if self.created_from else 0
        high = _order_id_bound(self.newest_day, end_of_day=True)
        return low, high if below is None else min(high, below - 1)

    def as_condition(self) -> Condition:
        condition = OrderRecord.order_id.between(*self.id_range())
        if self.status is not None:
            # The stored status (orders/stored_status.py), written with each change of its counts.
            condition &= OrderRecord.status == self.status.value
        return condition

    def admits(self, order: OrderRecord) -> bool:
        """The status filter, on an order read in full (the indexes hold keys only)."""
        return self.status is None or order.status == self.status.value


def orders_page(*, filters: OrderFilter, limit: int, resume: dict | None) -> Page[OrderRecord]:
    """Orders newest first, by status and creation date, one index partition per month."""
    resume = resume or {}
    low, high = filters.id_range(below=resume.get("below"))
    if low > high:
        return Page(items=[], resume=None)

    def query(month: str, below: int | None, count: int) -> list[OrderRecord]:
        if filters.status:
            index, key = OrderRecord.by_status_month, status_month(filters.status, month)
        else:
            index, key = OrderRecord.by_month, month
        ids = OrderRecord.order_id.between(*filters.id_range(below=below))
        return list(index.query(key, ids, scan_index_forward=False, limit=count))

    entries = newest_first_by_month(
        newest=resume.get("month") or month_of(datetime.combine(filters.newest_day, time.min)),
        oldest=filters.oldest_month,
        limit=limit,
        below=resume.get("below"),
        query=query,
        position=lambda order: int(order.order_id),
    )
    return Page(items=orders_by_id(entry.order_id for entry in entries.items), resume=entries.resume)


def orders_search(*, query: str, filters: OrderFilter, limit: int, resume: dict | None) -> Page[OrderRecord]:
    """Orders whose customer name or phone contains the text, or whose owner has
    that email, within the filters."""
    if "@" in query:
        owner = user_get_by_email(email=normalize_email(query))
        if owner is None:
            return Page(items=[], resume=None)
        low, high = filters.id_range(below=(resume or {}).get("below"))
        if low > high:
            return Page(items=[], resume=None)
        return _owner_orders(owner.user_id, filters, limit=limit, low=low, high=high)
    low, high = filters.id_range()
    if low > high:
        return Page(items=[], resume=None)
    condition = OrderRecord.search_text.contains(query.lower()) & filters.as_condition()
    orders, next_key = scan_page(OrderRecord, condition, limit=limit, start_key=resume)
    return Page(items=orders, resume=next_key)


def _owner_orders(owner_id: str, filters: OrderFilter, *, limit: int, low: int, high: int) -> Page[OrderRecord]:
    """The owner's orders newest first within the id range; a status filter is
    applied to the orders read, as the owner-index holds keys only. At most
    MAX_ITEMS_SCANNED_PER_REQUEST are read; then the page resumes after the last one read."""
    entries = OrderRecord.by_owner.query(
        owner_id, OrderRecord.order_id.between(low, high), scan_index_forward=False, page_size=limit + 1
    )
    found: list[OrderRecord] = []
    read, last_read = 0, None
    for chunk in batched(islice(entries, MAX_ITEMS_SCANNED_PER_REQUEST), limit + 1):
        read, last_read = read + len(chunk), int(chunk[-1].order_id)
        found += [order for order in orders_by_id(entry.order_id for entry in chunk) if filters.admits(order)]
        if len(found) > limit:
            page = found[:limit]
            return Page(items=page, resume={"below": int(page[-1].order_id)})
    budget_spent = read == MAX_ITEMS_SCANNED_PER_REQUEST
    return Page(items=found, resume={"below": last_read} if budget_spent else None)
