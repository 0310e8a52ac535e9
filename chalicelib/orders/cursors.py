"""Opaque, signed pagination cursors.

A cursor names the last order of a page and the user it was issued to; the
signature makes a tampered or borrowed cursor a 400, not a peek elsewhere.
"""

import jwt

from chalicelib.config import settings
from chalicelib.errors import InvalidInput

_KEY_PURPOSE = "orders-cursor"
_ALGORITHM = "HS256"
INVALID_CURSOR = {"cursor": ["Invalid cursor."]}


def cursor_encode(last_order_id: int, *, owner_id: str) -> str:
    return jwt.encode({"o": last_order_id, "u": owner_id}, settings.signing_key(_KEY_PURPOSE), algorithm=_ALGORITHM)


def cursor_decode(cursor: str, *, owner_id: str) -> int:
    try:
        payload = jwt.decode(cursor, settings.signing_key(_KEY_PURPOSE), algorithms=[_ALGORITHM])
    except jwt.PyJWTError:
        raise InvalidInput(INVALID_CURSOR) from None
    if payload.get("u") != owner_id or not isinstance(payload.get("o"), int):
        raise InvalidInput(INVALID_CURSOR)
    return payload["o"]
