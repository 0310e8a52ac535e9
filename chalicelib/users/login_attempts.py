"""Password attempts, counted per email in the events table with a TTL.

Every attempt is counted before its password is checked: after MAX_ATTEMPTS
attempts that did not succeed within WINDOW, the email is refused (429) until
the window that its first attempt opened has passed. Counting first, with a
conditional write, means parallel guesses cannot get past the limit. A right
password clears the count. Unknown emails are counted too, so the limit says
nothing about which accounts exist. TTL deletion is lazy (up to days), so the
window's end is checked in code and the TTL only cleans up.
"""

import math
from datetime import UTC, datetime, timedelta

from pynamodb.attributes import NumberAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError, UpdateError

from chalicelib.errors import Busy, TooManyRequests
from chalicelib.events_table import EventsTableItem
from chalicelib.storage import is_condition_failure

MAX_ATTEMPTS = 5
WINDOW = timedelta(minutes=15)


def _key(email: str) -> str:
    return f"LOGIN#{email}"


class LoginAttemptsRecord(EventsTableItem):
    attempts = NumberAttribute()
    window_ends_at = UTCDateTimeAttribute()


def _open_window(email: str, now: datetime) -> bool:
    """Start a window with this attempt, unless one is open."""
    ends_at = now + WINDOW
    try:
        LoginAttemptsRecord(_key(email), attempts=1, window_ends_at=ends_at, expires_at=ends_at).save(
            condition=LoginAttemptsRecord.pk.does_not_exist() | (LoginAttemptsRecord.window_ends_at <= now)
        )
    except PutError as error:
        if not is_condition_failure(error):
            raise
        return False
    return True


def _count_in_open_window(email: str, now: datetime) -> bool:
    """Add this attempt to the open window, if it has attempts left."""
    try:
        LoginAttemptsRecord(_key(email)).update(
            actions=[LoginAttemptsRecord.attempts.add(1)],
            condition=(LoginAttemptsRecord.window_ends_at > now) & (LoginAttemptsRecord.attempts < MAX_ATTEMPTS),
        )
    except UpdateError as error:
        if not is_condition_failure(error):
            raise
        return False
    return True


def login_attempt_reserve(*, email: str, now: datetime | None = None) -> None:
    """Count an attempt for this email, or refuse it when the window's attempts are used up.

    Opening a window comes first: it is the common case (no recent failures).
    Another attempt can open, fill or clear the window between two steps; the
    steps are then tried again, and only a window seen open and full refuses.
    """
    now = now or datetime.now(UTC)
    for _ in range(3):
        if _open_window(email, now) or _count_in_open_window(email, now):
            return
        try:
            record = LoginAttemptsRecord.get(_key(email), consistent_read=True)
        except LoginAttemptsRecord.DoesNotExist:
            continue
        if record.window_ends_at > now and record.attempts >= MAX_ATTEMPTS:
            retry_after = max(1, math.ceil((record.window_ends_at - now).total_seconds()))
            raise TooManyRequests("Too many failed logins for this email. Try again later.", retry_after=retry_after)
    raise Busy("Too many logins for this email at once. Try again.")


def login_attempts_clear(*, email: str) -> None:
    LoginAttemptsRecord(_key(email)).delete()
