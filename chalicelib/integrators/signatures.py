"""The status-report signature, as plain Python.

A signed call to POST /api/orders/tickets/{code}/update-status/ carries

    Catalyst-Signature: keyid=<key id>,t=<unix seconds>,v1=<hex>

where v1 is HMAC-SHA256, keyed with the integrator's secret, over
"<t>.<ticket code>.<raw request body>", the code in its canonical
lower-case dashed form. The scheme is Stripe's webhook signature, with the
ticket code signed too, so that a signed body cannot be replayed against
another ticket; the time bounds a replay of the same call to TOLERANCE.
"""

import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.errors import InvalidSignature

SIGNATURE_HEADER = "Catalyst-Signature"
SIGNATURE_VERSION = "v1"
TOLERANCE = timedelta(seconds=300)
# A key id is "ik_" and 16 hex digits (services.integrator_create draws them).
KEY_ID_PATTERN = "ik_[0-9a-f]{16}"
KEY_ID_MAX_LENGTH = 19
NO_SUCH_KEY = "No signing key with this id."
_FIELDS = re.compile(rf"keyid=(?P<key_id>{KEY_ID_PATTERN}),t=(?P<t>[0-9]{{1,12}}),v1=(?P<v1>[0-9a-fA-F]{{64}})")


@dataclass(frozen=True)
class SignatureHeader:
    key_id: str
    timestamp: int
    digest: str


def parse_signature_header(value: str) -> SignatureHeader:
    found = _FIELDS.fullmatch(value.replace(" ", ""))
    if found is None:
        raise InvalidSignature(f"Malformed {SIGNATURE_HEADER} header: expected keyid=<id>,t=<unix seconds>,v1=<hex>.")
    return SignatureHeader(key_id=found["key_id"], timestamp=int(found["t"]), digest=found["v1"].lower())


def canonical_ticket_code(code: str) -> str:
    """The code as it is signed: lower-case with dashes (a code that is no UUID is signed as sent)."""
    try:
        return str(uuid.UUID(code))
    except ValueError:
        return code


def signed_message(timestamp: int, code: str, body: bytes) -> bytes:
    return f"{timestamp}.{canonical_ticket_code(code)}.".encode() + body


def sign(secret: str, *, timestamp: int, code: str, body: bytes) -> str:
    """v1's hex digest, as a sender computes it."""
    return hmac.new(secret.encode(), signed_message(timestamp, code, body), hashlib.sha256).hexdigest()


def check_time(header: SignatureHeader, *, now: datetime) -> None:
    """Refuses a signature made too far from `now` (checked first: it needs no read)."""
    if abs(now.timestamp() - header.timestamp) > TOLERANCE.total_seconds():
        raise InvalidSignature(f"Signature timestamp is more than {int(TOLERANCE.total_seconds())} seconds off.")


def check_digest(header: SignatureHeader, secret: str, *, code: str, body: bytes) -> None:
    """Refuses a signature made with another secret, or over another ticket or body (constant-time)."""
    expected = sign(secret, timestamp=header.timestamp, code=code, body=body)
    if not hmac.compare_digest(expected, header.digest):
        raise InvalidSignature()
