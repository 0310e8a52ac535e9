"""The one page type of every listing: its items, and where the next page
resumes; and the one walk over monthly partitions, newest first."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

ItemT = TypeVar("ItemT")


@dataclass(frozen=True)
class Page(Generic[ItemT]):
    items: list[ItemT]
    # Where the next page starts, as plain JSON for a cursor (web/cursors.py); None at the end.
    resume: dict | None


def previous_month(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def newest_first_by_month(
    *,
    newest: str,
    oldest: str,
    limit: int,
    below: Any,
    query: Callable[[str, Any, int], list[ItemT]],
    position: Callable[[ItemT], Any],
) -> Page[ItemT]:
    """Up to `limit` items, newest first, from month partitions `newest` back to `oldest`.

    query(month, below, n) answers up to n of a month's items, newest first,
    older than the position `below` (None: from the month's newest); one item
    beyond what is wanted tells whether the month has more. The page resumes
    at {"month", "below"}.
    """
    items: list[ItemT] = []
    month = newest
    while month >= oldest:
        wanted = limit - len(items)
        batch = query(month, below, wanted + 1)
        if len(batch) > wanted:
            items += batch[:wanted]
            return Page(items=items, resume={"month": month, "below": position(items[-1]) if wanted else below})
        items += batch
        month, below = previous_month(month), None
    return Page(items=items, resume=None)
