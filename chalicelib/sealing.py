"""Sealed values: encrypted and authenticated with a key of their own purpose
(Fernet: AES-128-CBC with HMAC-SHA256), derived from the stage's secret.

Pagination cursors and integrators' stored signing secrets are sealed: a
client learns nothing from a cursor, and a copy of the table alone reveals no
integrator's secret. A value sealed for one purpose never opens as another.
"""

import base64
from functools import cache
from typing import Any

from chalicelib.config import settings


@cache
def _fernet_of(key: bytes) -> Any:
    # Imported on first use: most requests never page or verify a signature, and cold starts stay short.
    from cryptography.fernet import Fernet

    return Fernet(base64.urlsafe_b64encode(key))


def _fernet(purpose: str) -> Any:
    return _fernet_of(settings().signing_key(purpose))


def seal(value: bytes, *, purpose: str) -> str:
    return _fernet(purpose).encrypt(value).decode("ascii")


def unseal(sealed: str, *, purpose: str) -> bytes | None:
    """The value, or None when `sealed` was tampered with, sealed for another purpose or by another secret."""
    from cryptography.fernet import InvalidToken

    try:
        return _fernet(purpose).decrypt(sealed.encode("utf-8", "surrogateescape"))
    except (InvalidToken, ValueError, UnicodeError):
        return None
