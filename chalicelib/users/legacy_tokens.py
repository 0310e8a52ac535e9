"""The seed's DRF tokens, as plain Python: what one looks like, and the
digest we keep in its place (the key itself is never stored).

A DRF key is 40 hex digits from os.urandom (160 bits), so a plain SHA-256
suffices: nothing can be guessed from the digest, and no slow hash is
needed where the input is already random.
"""

import hashlib
import re

LEGACY_TOKEN_SCHEME = "token"  # noqa: S105 - the scheme's name, not a token
LEGACY_TOKEN_PATTERN = re.compile(r"[0-9a-f]{40}")


def is_legacy_token(scheme: str, credential: str) -> bool:
    return scheme.lower() == LEGACY_TOKEN_SCHEME and LEGACY_TOKEN_PATTERN.fullmatch(credential) is not None


def legacy_token_digest(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()
