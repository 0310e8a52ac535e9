"""An integrator's side of a signed status report, written from the README's
recipe rather than from chalicelib's code, so that a test proves the two agree."""

import hashlib
import hmac
import time
import uuid


def signature_header(*, key_id: str, secret: str, code: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    message = f"{t}.{str(uuid.UUID(code)).lower()}.".encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"keyid={key_id},t={t},v1={digest}"


def signed_headers(*, key_id: str, secret: str, code: str, body: bytes, timestamp: int | None = None) -> dict:
    header = signature_header(key_id=key_id, secret=secret, code=code, body=body, timestamp=timestamp)
    return {"Content-Type": "application/json", "Catalyst-Signature": header}
