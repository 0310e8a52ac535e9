"""Reads of integrators' signing keys (a small table, scanned)."""

from collections.abc import Iterator

from chalicelib.integrators.models import SigningKeyRecord
from chalicelib.pages import Page
from chalicelib.storage import scan_page


def signing_keys_page(*, limit: int, resume: dict | None) -> Page[SigningKeyRecord]:
    keys, next_key = scan_page(SigningKeyRecord, None, limit=limit, start_key=resume)
    return Page(items=sorted(keys, key=lambda key: (key.name, key.created_at)), resume=next_key)


def signing_keys_all() -> Iterator[SigningKeyRecord]:
    return SigningKeyRecord.scan()
