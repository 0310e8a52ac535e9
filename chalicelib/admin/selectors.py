"""The admin's reads. Listings by status or date use indexes; free-text
search scans, bounded per request (chalicelib.storage.scan_page)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from pynamodb.expressions.condition import Condition

from chalicelib.orders.domain import FIRST_MONTH, OrderStatus, order_id_bound
from chalicelib.orders.models import OrderRecord, month_of, status_month
from chalicelib.pages import Page, newest_first_by_month
from chalicelib.storage import scan_page
from chalicelib.users.domain import normalize_email
from chalicelib.users.models import UserRecord
from chalicelib.users.selectors import user_get_by_email, user_get_by_id


def users_page(*, query: str | None, limit: int, resume: dict | None) -> Page[UserRecord]:
    condition = UserRecord.email.contains(normalize_email(query)) if query else None
    users, next_key = scan_page(UserRecord, condition, limit=limit, start_key=resume)
    return Page(items=users, resume=next_key)


def user_by_id(*, user_id: str) -> UserRecord | None:
    found = user_get_by_id(user_id=user_id)
    # The index is eventually consistent; the admin shows the item itself.
    return user_get_by_email(email=found.email) if found else None


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
            # The stored status, which the stream handler keeps up to date.
            condition &= OrderRecord.status == self.status.value
        return condition


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

    return newest_first_by_month(
        newest=resume.get("month") or month_of(datetime.combine(filters.newest_day, time.min)),
        oldest=filters.oldest_month,
        limit=limit,
        below=resume.get("below"),
        query=query,
        position=lambda order: int(order.order_id),
    )


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
        status_filter = OrderRecord.status == filters.status.value if filters.status else None
        batch = list(
            OrderRecord.by_owner.query(
                owner.user_id,
                OrderRecord.order_id.between(low, high),
                status_filter,
                scan_index_forward=False,
                limit=limit + 1,
            )
        )
        more = len(batch) > limit
        orders = batch[:limit]
        return Page(items=orders, resume={"below": int(orders[-1].order_id)} if more else None)
    low, high = filters.id_range()
    if low > high:
        return Page(items=[], resume=None)
    condition = OrderRecord.search_text.contains(query.lower()) & filters.as_condition()
    orders, next_key = scan_page(OrderRecord, condition, limit=limit, start_key=resume)
    return Page(items=orders, resume=next_key)
