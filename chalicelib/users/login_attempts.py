"""Failed-login counters, per email, in the events table with a TTL.

After MAX_FAILURES failed logins for one email within WINDOW, that email is
refused (429) until the window that began with its first failure has passed.
Unknown emails are counted too, so the limit says nothing about which
accounts exist. TTL deletion is lazy (up to days), so the window's end is
checked in code and the item is only there to be cleaned up eventually.
"""

import math
from datetime import UTC, datetime, timedelta

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.models import Model

from chalicelib.config import settings
from chalicelib.errors import TooManyRequests
from chalicelib.storage import TableMeta, is_condition_failure

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


def _key(email: str) -> str:
    return f"LOGIN#{email}"


class LoginAttemptsRecord(Model):
    class Meta(TableMeta):
        table_name = settings.table_name("events")

    pk = UnicodeAttribute(hash_key=True)
    failures = NumberAttribute()
    window_ends_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()


def login_attempts_check(*, email: str, now: datetime | None = None) -> int:
    """Refuse a login for an email that has used up its failures in this
    window; otherwise return how many failures the open window holds."""
    now = now or datetime.now(UTC)
    try:
        record = LoginAttemptsRecord.get(_key(email), consistent_read=True)
    except LoginAttemptsRecord.DoesNotExist:
        return 0
    if now >= record.window_ends_at:
        return 0
    if record.failures >= MAX_FAILURES:
        retry_after = max(1, math.ceil((record.window_ends_at - now).total_seconds()))
        raise TooManyRequests("Too many failed logins for this email. Try again later.", retry_after=retry_after)
    return int(record.failures)


def login_attempts_record_failure(*, email: str, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    record = LoginAttemptsRecord(_key(email))
    try:
        record.update(
            actions=[LoginAttemptsRecord.failures.add(1)],
            condition=LoginAttemptsRecord.window_ends_at > now,
        )
    except UpdateError as error:
        if not is_condition_failure(error):
            raise
        # No window open: this failure opens one.
        ends_at = now + WINDOW
        LoginAttemptsRecord(_key(email), failures=1, window_ends_at=ends_at, expires_at=ends_at).save()


def login_attempts_clear(*, email: str) -> None:
    LoginAttemptsRecord(_key(email)).delete()
