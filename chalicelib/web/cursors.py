"""Opaque, authenticated pagination cursors.

A cursor carries where a page ended (a table key, which may hold a user's
email) and whom it was issued to, encrypted and authenticated with a key of
its own purpose (Fernet: AES-128-CBC with HMAC-SHA256). A client learns
nothing from one, and a tampered, borrowed or foreign cursor is a 400, not a
peek elsewhere.
"""

import base64
import json
from functools import cache
from typing import Any

from chalicelib.config import settings
from chalicelib.errors import InvalidInput
from chalicelib.pages import Page

INVALID_CURSOR = {"cursor": ["Invalid cursor."]}


def _fernet(purpose: str) -> Any:
    return _fernet_of(settings().signing_key(f"cursor:{purpose}"))


@cache
def _fernet_of(key: bytes) -> Any:
    # Imported on first use: most requests never page, and cold starts stay short.
    from cryptography.fernet import Fernet

    return Fernet(base64.urlsafe_b64encode(key))


def cursor_encode(position: dict[str, Any], *, holder: str, purpose: str) -> str:
    payload = json.dumps({"p": position, "h": holder}, separators=(",", ":")).encode()
    return _fernet(purpose).encrypt(payload).decode("ascii")


def cursor_decode(cursor: str, *, holder: str, purpose: str) -> dict[str, Any]:
    from cryptography.fernet import InvalidToken

    try:
        payload = json.loads(_fernet(purpose).decrypt(cursor.encode("utf-8", "surrogateescape")))
    except (InvalidToken, ValueError, UnicodeError):
        raise InvalidInput(INVALID_CURSOR) from None
    if not isinstance(payload, dict) or payload.get("h") != holder or not isinstance(payload.get("p"), dict):
        raise InvalidInput(INVALID_CURSOR)
    return payload["p"]


def page_resume(
    cursor: str | None, *, holder: str, purpose: str, shape: dict[str, type] | None = None
) -> dict[str, Any] | None:
    """Where a listing resumes, from the cursor its previous page gave; None for
    the first page. `shape` names keys the position must hold, with their types."""
    if not cursor:
        return None
    position = cursor_decode(cursor, holder=holder, purpose=purpose)
    if any(type(position.get(key)) is not kind for key, kind in (shape or {}).items()):
        raise InvalidInput(INVALID_CURSOR)
    return position


def next_page_cursor(page: Page[Any], *, holder: str, purpose: str) -> str | None:
    """The cursor to the page after this one; None at the end."""
    return cursor_encode(page.resume, holder=holder, purpose=purpose) if page.resume else None
