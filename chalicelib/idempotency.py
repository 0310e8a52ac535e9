"""Idempotency keys: a client that sends a request again under the key it
used before gets the first answer, and the request's effect happens once.

A key is scoped to a caller and remembered for REMEMBERED_FOR, in the
expiring table. Its record holds the fingerprint of the first request (a
hash of what it asked for, as validated), and the plan of what that request
writes, fixed before anything is written: for an order, its id, ticket codes
and time. Whoever takes the key writes exactly that plan, so the effect
carries the key: if a process dies after its write committed, the next
attempt finds the planned item already there and answers with it, instead of
making another. The write cannot join the record in one transaction (an order
with 99 tickets already fills DynamoDB's 100 items).

A taken key has a lease: while it runs, another request with the key is told
to come back (RequestInProgress, 409 with Retry-After). A lease outlasts any
invocation (functions time out at 30 s), so one that has run out belongs to a
request that died or failed, and the next request takes the key over with the
same plan. Nothing that failed is remembered as an answer: only what is done.
"""

import contextlib
import hashlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError, UpdateError

from chalicelib.errors import IdempotencyMismatch, InvalidInput, RequestInProgress
from chalicelib.expiring_table import ExpiringItem
from chalicelib.storage import LostRace, is_condition_failure, with_retries

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# 1 to 255 printable ASCII characters, space included.
KEY_PATTERN = re.compile(r"[\x20-\x7e]{1,255}")
REMEMBERED_FOR = timedelta(hours=24)
LEASE = timedelta(seconds=45)
CLAIM_ATTEMPTS = 3


def idempotency_key(raw: str | None) -> str | None:
    """The header's value, checked: None when absent, else 1-255 printable ASCII characters."""
    if raw is None:
        return None
    if not KEY_PATTERN.fullmatch(raw):
        raise InvalidInput({IDEMPOTENCY_HEADER: ["Must be 1 to 255 printable ASCII characters."]})
    return raw


def fingerprint(request: dict[str, Any]) -> str:
    """A hash of a validated request: the same request, whatever its JSON's spacing or order."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyRecord(ExpiringItem):
    fingerprint = UnicodeAttribute()
    # What the request writes, as JSON, fixed when the key is first taken.
    plan = UnicodeAttribute()
    lease_until = UTCDateTimeAttribute()
    done = BooleanAttribute(default=False)


def _record_key(scope: str, key: str) -> str:
    # Hashed: a key may hold any printable character, and its length stays fixed.
    return f"IDEMPOTENCY#{scope}#{hashlib.sha256(key.encode()).hexdigest()}"


@dataclass
class Claim:
    """A key taken by this request, with the plan to carry out; `done` when an
    earlier request carried it out already (the answer is a replay)."""

    record: IdempotencyRecord
    plan: dict[str, Any]
    done: bool


def idempotency_claim(
    *, scope: str, key: str, request_fingerprint: str, new_plan: Callable[[], dict[str, Any]]
) -> Claim:
    pk = _record_key(scope, key)

    def attempt() -> Claim:
        now = datetime.now(UTC)
        try:
            existing = IdempotencyRecord.get(pk, consistent_read=True)
        except IdempotencyRecord.DoesNotExist:
            existing = None
        # TTL deletes late: a record past its time is forgotten here, not by DynamoDB.
        if existing is None or existing.expires_at <= now:
            plan = new_plan()
            record = IdempotencyRecord(
                pk,
                fingerprint=request_fingerprint,
                plan=json.dumps(plan),
                lease_until=now + LEASE,
                expires_at=now + REMEMBERED_FOR,
            )
            try:
                record.save(condition=IdempotencyRecord.pk.does_not_exist() | (IdempotencyRecord.expires_at <= now))
            except PutError as error:
                if is_condition_failure(error):
                    raise LostRace from None
                raise
            return Claim(record=record, plan=plan, done=False)
        if existing.fingerprint != request_fingerprint:
            raise IdempotencyMismatch()
        if existing.done:
            return Claim(record=existing, plan=json.loads(existing.plan), done=True)
        if existing.lease_until > now:
            raise RequestInProgress(retry_after=max(1, math.ceil((existing.lease_until - now).total_seconds())))
        # The request that held the key died or failed: carry out its plan.
        _move_lease(existing, now + LEASE)
        return Claim(record=existing, plan=json.loads(existing.plan), done=False)

    return with_retries(attempt, attempts=CLAIM_ATTEMPTS, busy=f"The {IDEMPOTENCY_HEADER} is contended. Try again.")


def _move_lease(record: IdempotencyRecord, until: datetime, **changes: Any) -> None:
    """Change the claim, if it is still as this request read it."""
    actions = [IdempotencyRecord.lease_until.set(until)]
    actions += [getattr(IdempotencyRecord, name).set(value) for name, value in changes.items()]
    try:
        record.update(actions=actions, condition=IdempotencyRecord.lease_until == record.lease_until)
    except UpdateError as error:
        if is_condition_failure(error):
            raise LostRace from None
        raise


def idempotency_replan(claim: Claim, plan: dict[str, Any]) -> None:
    """Another plan for a key whose plan could not be carried out (an order id already taken by another order)."""
    _move_lease(claim.record, datetime.now(UTC) + LEASE, plan=json.dumps(plan))
    claim.plan = plan


def idempotency_done(claim: Claim) -> None:
    claim.record.update(actions=[IdempotencyRecord.done.set(True)])


def idempotency_release(claim: Claim) -> None:
    """The request failed: the next one with the key may take it at once, with the same plan."""
    with contextlib.suppress(LostRace):  # someone has taken it over already
        _move_lease(claim.record, datetime.now(UTC))
