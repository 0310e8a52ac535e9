"""Opaque, authenticated pagination cursors.

A cursor carries where a page ended (a table key, which may hold a user's
email) and whom it was issued to, sealed (chalicelib.sealing) with a key of
its listing's purpose. A client learns nothing from one, and a tampered,
borrowed or foreign cursor is a 400, not a peek elsewhere.
"""

import json
from typing import Any

from chalicelib.errors import InvalidInput
from chalicelib.pages import Page
from chalicelib.sealing import seal, unseal

INVALID_CURSOR = {"cursor": ["Invalid cursor."]}


def cursor_encode(position: dict[str, Any], *, holder: str, purpose: str) -> str:
    payload = json.dumps({"p": position, "h": holder}, separators=(",", ":")).encode()
    return seal(payload, purpose=f"cursor:{purpose}")


def cursor_decode(cursor: str, *, holder: str, purpose: str) -> dict[str, Any]:
    opened = unseal(cursor, purpose=f"cursor:{purpose}")
    try:
        payload = json.loads(opened) if opened is not None else None
    except ValueError:
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
