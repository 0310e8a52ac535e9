"""Opaque, signed pagination cursors.

A cursor carries where a page ended and whom it was issued to, signed with a
key of its own purpose: a tampered, borrowed or foreign cursor is a 400, not
a peek elsewhere.
"""

from typing import Any

import jwt

from chalicelib.config import settings
from chalicelib.errors import InvalidInput

_ALGORITHM = "HS256"
INVALID_CURSOR = {"cursor": ["Invalid cursor."]}


def cursor_encode(position: dict[str, Any], *, holder: str, purpose: str) -> str:
    return jwt.encode({"p": position, "h": holder}, settings.signing_key(f"cursor:{purpose}"), algorithm=_ALGORITHM)


def cursor_decode(cursor: str, *, holder: str, purpose: str) -> dict[str, Any]:
    try:
        payload = jwt.decode(cursor, settings.signing_key(f"cursor:{purpose}"), algorithms=[_ALGORITHM])
    except jwt.PyJWTError:
        raise InvalidInput(INVALID_CURSOR) from None
    if payload.get("h") != holder or not isinstance(payload.get("p"), dict):
        raise InvalidInput(INVALID_CURSOR)
    return payload["p"]
