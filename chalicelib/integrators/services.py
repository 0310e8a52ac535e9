"""Integrators' signing keys: made, rotated and revoked by an operator, and
checked on every signed status report."""

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import DoesNotExist, PutError, PynamoDBException, TransactWriteError

from chalicelib.audit import audit_entry
from chalicelib.errors import Conflict, InvalidInput, InvalidSignature, NotFound
from chalicelib.integrators.models import IntegratorRecord, SigningKeyRecord, name_key, signing_key_key
from chalicelib.integrators.signatures import NO_SUCH_KEY, check_digest, check_time, parse_signature_header
from chalicelib.observability import logger
from chalicelib.sealing import seal, unseal
from chalicelib.storage import CONDITION_FAILED, cancellation_codes, is_condition_failure, transact_write
from chalicelib.users.permissions import Principal

# A name goes into tickets' history, outbound events and metrics: short, plain, one spelling.
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
SECRET_PURPOSE = "integrator-secret"  # noqa: S105 (a key-derivation label, not a secret)
# How stale a key's "last used" may be: a signed request writes it at most once per key and hour.
LAST_USED_PRECISION = timedelta(hours=1)


@dataclass(frozen=True)
class IssuedKey:
    """A new key, with the only copy of its secret that anyone will see."""

    name: str
    key_id: str
    secret: str


@dataclass(frozen=True)
class Integrator:
    """Who signed a report."""

    name: str
    key_id: str


def _new_signing_key(name: str, now: datetime) -> tuple[SigningKeyRecord, IssuedKey]:
    key_id, secret = f"ik_{secrets.token_hex(8)}", secrets.token_urlsafe(32)  # the id as KEY_ID_PATTERN says
    record = SigningKeyRecord(
        signing_key_key(key_id),
        name=name,
        key_id=key_id,
        sealed_secret=seal(secret.encode(), purpose=SECRET_PURPOSE),
        created_at=now,
    )
    return record, IssuedKey(name=name, key_id=key_id, secret=secret)


def integrator_create(*, name: str) -> IssuedKey:
    """A new integrator and its first key; names are unique."""
    if not NAME_PATTERN.fullmatch(name):
        raise InvalidInput({"name": ["1-63 characters: lower-case letters, digits and '-', not starting with '-'."]})
    now = datetime.now(UTC)
    record, issued = _new_signing_key(name, now)
    try:
        with transact_write() as transaction:
            transaction.save(
                IntegratorRecord(name_key(name), name=name, created_at=now),
                condition=IntegratorRecord.pk.does_not_exist(),
            )
            transaction.save(record, condition=SigningKeyRecord.pk.does_not_exist())
    except TransactWriteError as error:
        if CONDITION_FAILED in cancellation_codes(error):
            raise Conflict({"name": ["An integrator with this name already exists."]}) from None
        raise
    return issued


def integrator_rotate(*, name: str) -> IssuedKey:
    """Another key for an integrator; its older keys keep working until revoked,
    so that a sender can switch without a gap."""
    try:
        IntegratorRecord.get(name_key(name), consistent_read=True)
    except DoesNotExist:
        raise NotFound("No integrator with this name.") from None
    record, issued = _new_signing_key(name, datetime.now(UTC))
    try:
        record.save(condition=SigningKeyRecord.pk.does_not_exist())
    except PutError as error:
        if is_condition_failure(error):
            raise Conflict({"key_id": ["A key id was drawn twice; try again."]}) from None
        raise
    return issued


def signing_key_revoke(*, key_id: str, audited_as: Principal | None = None) -> SigningKeyRecord:
    """Revoke a key from the next request on; revoking a revoked key changes nothing.
    From the admin (audited_as), the audit entry rides in the same transaction."""
    try:
        record = SigningKeyRecord.get(signing_key_key(key_id), consistent_read=True)
    except DoesNotExist:
        raise NotFound(NO_SUCH_KEY) from None
    if record.revoked_at is not None:
        return record
    now = datetime.now(UTC)
    try:
        with transact_write() as transaction:
            transaction.update(
                record,
                actions=[SigningKeyRecord.revoked_at.set(now)],
                condition=SigningKeyRecord.revoked_at.does_not_exist(),
            )
            if audited_as is not None:
                transaction.save(
                    audit_entry(
                        actor=audited_as,
                        action="integrator.revoke_key",
                        target_type="integrator_key",
                        target_id=key_id,
                        before={"integrator": record.name, "revoked": False},
                        after={"integrator": record.name, "revoked": True},
                    )
                )
    except TransactWriteError as error:
        # Revoked by someone else meanwhile: revoked all the same (and audited once, by them).
        if CONDITION_FAILED not in cancellation_codes(error):
            raise
        record.refresh(consistent_read=True)
        return record
    record.revoked_at = now
    return record


def integrator_from_signature(header: str, *, code: str, body: bytes, now: datetime) -> Integrator:
    """The integrator whose live key signed this report (one consistent GetItem),
    or InvalidSignature: a malformed, out-of-time, unknown, revoked or wrong signature."""
    signature = parse_signature_header(header)
    check_time(signature, now=now)
    try:
        record = SigningKeyRecord.get(signing_key_key(signature.key_id), consistent_read=True)
    except DoesNotExist:
        raise InvalidSignature() from None
    if record.revoked_at is not None:
        raise InvalidSignature()
    secret = unseal(record.sealed_secret, purpose=SECRET_PURPOSE)
    if secret is None:
        # Sealed under another SECRET_KEY: the stage's secret changed, and every key must be rotated.
        logger.error("a signing key's secret cannot be opened", extra={"key_id": record.key_id})
        raise InvalidSignature()
    check_digest(signature, secret.decode(), code=code, body=body)
    _note_use(record, now)
    return Integrator(name=record.name, key_id=record.key_id)


def _note_use(record: SigningKeyRecord, now: datetime) -> None:
    """Keep "last used" within LAST_USED_PRECISION. A failure to note it does not
    refuse the report: the signature was good."""
    stale_before = now - LAST_USED_PRECISION
    if record.last_used_at is not None and record.last_used_at > stale_before:
        return
    try:
        record.update(
            actions=[SigningKeyRecord.last_used_at.set(now)],
            condition=SigningKeyRecord.last_used_at.does_not_exist() | (SigningKeyRecord.last_used_at < stale_before),
        )
    except PynamoDBException:
        # Another request noted it first (the condition failed), or the table is busy: either way, not worth an error.
        logger.info("signing key's last use not noted", extra={"key_id": record.key_id}, exc_info=True)
