"""Password attempts, counted in the expiring table with a TTL, against
guessing, without handing anyone a way to lock others out.

Three counters, each a window of WINDOW opened by its first attempt:
- a login, per email *and* client address (API Gateway's sourceIp): after
  MAX_ATTEMPTS_PER_ADDRESS attempts that did not succeed, that pair is refused
  (429). Someone else's wrong passwords, from their own address, do not lock
  the owner out;
- a login, per email from any address: MAX_ATTEMPTS_PER_EMAIL, against
  guessing spread over many addresses;
- a password change, per token holder: MAX_ATTEMPTS_PER_HOLDER wrong current
  passwords. Only a valid token reaches it, so login failures never lock a
  change-password out, and nobody else can.

Every attempt is counted before its password is checked, with a conditional
write, so parallel guesses cannot get past a limit. A right password clears
its own counter (the pair's, or the holder's); the per-email window runs out.
Unknown emails are counted too, so the limits say nothing about which
accounts exist. TTL deletion is lazy (up to days), so a window's end is
checked in code and the TTL only cleans up.

OWASP's Authentication Cheat Sheet is the reference: limits per account and
per source, and no lockout that an attacker can cause at will.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pynamodb.attributes import NumberAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError, UpdateError

from chalicelib.errors import TooManyRequests
from chalicelib.expiring_table import ExpiringItem
from chalicelib.storage import LostRace, is_condition_failure, with_retries

MAX_ATTEMPTS_PER_ADDRESS = 5
MAX_ATTEMPTS_PER_EMAIL = 100
MAX_ATTEMPTS_PER_HOLDER = 5
WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class AttemptLimit:
    key_prefix: str
    max_attempts: int

    def key(self, *subject: str) -> str:
        return "#".join((self.key_prefix, *subject))


# One answer for every limit, as before there were three: clients need not tell them apart.
TOO_MANY_ATTEMPTS = "Too many failed logins for this email. Try again later."
LOGINS_PER_ADDRESS = AttemptLimit("LOGIN", MAX_ATTEMPTS_PER_ADDRESS)
LOGINS_PER_EMAIL = AttemptLimit("LOGIN", MAX_ATTEMPTS_PER_EMAIL)
PASSWORD_CHANGES = AttemptLimit("PASSWORD-CHANGE", MAX_ATTEMPTS_PER_HOLDER)


def _pair_key(email: str, client_address: str) -> str:
    return LOGINS_PER_ADDRESS.key(email, "FROM", client_address)


class LoginAttemptsRecord(ExpiringItem):
    attempts = NumberAttribute()
    window_ends_at = UTCDateTimeAttribute()


def _open_window(key: str, now: datetime) -> bool:
    """Start a window with this attempt, unless one is open."""
    ends_at = now + WINDOW
    try:
        LoginAttemptsRecord(key, attempts=1, window_ends_at=ends_at, expires_at=ends_at).save(
            condition=LoginAttemptsRecord.pk.does_not_exist() | (LoginAttemptsRecord.window_ends_at <= now)
        )
    except PutError as error:
        if not is_condition_failure(error):
            raise
        return False
    return True


def _count_in_open_window(key: str, max_attempts: int, now: datetime) -> bool:
    """Add this attempt to the open window, if it has attempts left."""
    try:
        LoginAttemptsRecord(key).update(
            actions=[LoginAttemptsRecord.attempts.add(1)],
            condition=(LoginAttemptsRecord.window_ends_at > now) & (LoginAttemptsRecord.attempts < max_attempts),
        )
    except UpdateError as error:
        if not is_condition_failure(error):
            raise
        return False
    return True


RESERVE_ATTEMPTS = 3


def _reserve(limit: AttemptLimit, key: str, now: datetime) -> None:
    """Count an attempt under `key`, or refuse it when its window's attempts are used up.

    Opening a window comes first: it is the common case (no recent failures).
    Another attempt can open, fill or clear the window between two steps; the
    steps are then tried again, and only a window seen open and full refuses.
    """

    def attempt() -> None:
        if _open_window(key, now) or _count_in_open_window(key, limit.max_attempts, now):
            return
        try:
            record = LoginAttemptsRecord.get(key, consistent_read=True)
        except LoginAttemptsRecord.DoesNotExist:
            raise LostRace from None
        if record.window_ends_at > now and record.attempts >= limit.max_attempts:
            retry_after = max(1, math.ceil((record.window_ends_at - now).total_seconds()))
            raise TooManyRequests(TOO_MANY_ATTEMPTS, retry_after=retry_after)
        raise LostRace

    with_retries(attempt, attempts=RESERVE_ATTEMPTS, busy="Too many attempts at once. Try again.")


def login_attempt_reserve(*, email: str, client_address: str, now: datetime | None = None) -> None:
    """Count a login attempt for this email from this address, and for this email from anywhere."""
    now = now or datetime.now(UTC)
    _reserve(LOGINS_PER_ADDRESS, _pair_key(email, client_address), now)
    _reserve(LOGINS_PER_EMAIL, LOGINS_PER_EMAIL.key(email), now)


def login_attempts_clear(*, email: str, client_address: str) -> None:
    """A right password from this address: its count starts again."""
    LoginAttemptsRecord(_pair_key(email, client_address)).delete()


def password_change_attempt_reserve(*, user_id: str, now: datetime | None = None) -> None:
    _reserve(PASSWORD_CHANGES, PASSWORD_CHANGES.key(user_id), now or datetime.now(UTC))


def password_change_attempts_clear(*, user_id: str) -> None:
    LoginAttemptsRecord(PASSWORD_CHANGES.key(user_id)).delete()
