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

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.models import Model

from chalicelib.config import settings
from chalicelib.errors import TooManyRequests
from chalicelib.storage import TableMeta, is_condition_failure

MAX_ATTEMPTS = 5
WINDOW = timedelta(minutes=15)


def _key(email: str) -> str:
    return f"LOGIN#{email}"


class LoginAttemptsRecord(Model):
    class Meta(TableMeta):
        table_name = settings.table_name("events")

    pk = UnicodeAttribute(hash_key=True)
    attempts = NumberAttribute()
    window_ends_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()


def login_attempt_reserve(*, email: str, now: datetime | None = None) -> None:
    """Count an attempt for this email, or refuse it when the window's attempts are used up."""
    now = now or datetime.now(UTC)
    try:
        LoginAttemptsRecord(_key(email)).update(
            actions=[LoginAttemptsRecord.attempts.add(1)],
            condition=(LoginAttemptsRecord.window_ends_at > now) & (LoginAttemptsRecord.attempts < MAX_ATTEMPTS),
        )
        return
    except UpdateError as error:
        if not is_condition_failure(error):
            raise
    # No window is open (then this attempt opens one), or it is open and full.
    ends_at = now + WINDOW
    try:
        LoginAttemptsRecord(_key(email), attempts=1, window_ends_at=ends_at, expires_at=ends_at).save(
            condition=LoginAttemptsRecord.pk.does_not_exist() | (LoginAttemptsRecord.window_ends_at <= now)
        )
        return
    except PutError as error:
        if not is_condition_failure(error):
            raise
    window_ends_at = LoginAttemptsRecord.get(_key(email), consistent_read=True).window_ends_at
    retry_after = max(1, math.ceil((window_ends_at - now).total_seconds()))
    raise TooManyRequests("Too many failed logins for this email. Try again later.", retry_after=retry_after)


def login_attempts_clear(*, email: str) -> None:
    LoginAttemptsRecord(_key(email)).delete()
