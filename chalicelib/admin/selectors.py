"""The admin's reads. Listings by status or date use indexes; free-text
search scans, bounded per request (chalicelib.storage.scan_page)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Generic, TypeVar

from chalicelib.audit import FIRST_MONTH, previous_month
from chalicelib.orders.domain import ORDER_ID_EPOCH_MS, ORDER_ID_RANDOM_BITS, OrderStatus
from chalicelib.orders.models import OrderRecord, month_of, status_month
from chalicelib.storage import scan_page
from chalicelib.users.domain import normalize_email
from chalicelib.users.models import UserRecord
from chalicelib.users.selectors import user_get_by_email, user_get_by_id

ItemT = TypeVar("ItemT")


@dataclass(frozen=True)
class Page(Generic[ItemT]):
    items: list[ItemT]
    # Where the next page starts, as plain JSON for a signed cursor; None at the end.
    resume: dict | None


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
    elapsed_ms = max(0, int(moment.timestamp() * 1000) - ORDER_ID_EPOCH_MS)
    low_bits = (1 << ORDER_ID_RANDOM_BITS) - 1 if end_of_day else 0
    return (elapsed_ms << ORDER_ID_RANDOM_BITS) | low_bits


def orders_page(
    *,
    status: OrderStatus | None,
    created_from: date | None,
    created_to: date | None,
    limit: int,
    resume: dict | None,
) -> Page[OrderRecord]:
    """Orders newest first, by status and creation date, one index partition per month."""
    newest = created_to or datetime.now(UTC).date()
    month = (resume or {}).get("month") or month_of(datetime.combine(newest, time.min))
    below = (resume or {}).get("below")
    oldest_month = month_of(datetime.combine(created_from, time.min)) if created_from else FIRST_MONTH
    high = _order_id_bound(newest, end_of_day=True) if below is None else below - 1
    low = _order_id_bound(created_from, end_of_day=False) if created_from else 0
    orders: list[OrderRecord] = []
    while month >= oldest_month:
        wanted = limit - len(orders)
        index, key = (
            (OrderRecord.by_status_month, status_month(status, month)) if status else (OrderRecord.by_month, month)
        )
        batch = list(
            index.query(key, OrderRecord.order_id.between(low, high), scan_index_forward=False, limit=wanted + 1)
        )
        if len(batch) > wanted:
            orders += batch[:wanted]
            resume_at = {"month": month, "below": int(orders[-1].order_id)} if wanted else {"month": month}
            return Page(items=orders, resume=resume_at)
        orders += batch
        month = previous_month(month)
    return Page(items=orders, resume=None)


def orders_search(*, query: str, limit: int, resume: dict | None) -> Page[OrderRecord]:
    """Orders whose customer name or phone contains the text, or whose owner has that email."""
    if "@" in query:
        owner = user_get_by_email(email=normalize_email(query))
        if owner is None:
            return Page(items=[], resume=None)
        below = (resume or {}).get("below")
        condition = OrderRecord.order_id < below if below is not None else None
        batch = list(OrderRecord.by_owner.query(owner.user_id, condition, scan_index_forward=False, limit=limit + 1))
        more = len(batch) > limit
        orders = batch[:limit]
        return Page(items=orders, resume={"below": int(orders[-1].order_id)} if more else None)
    text = query.lower()
    condition = OrderRecord.search_text.contains(text)
    orders, next_key = scan_page(OrderRecord, condition, limit=limit, start_key=resume)
    return Page(items=orders, resume=next_key)
