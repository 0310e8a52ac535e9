"""Who is calling: the Authorization header checked against the user's item.

One consistent GetItem per request, so a deactivated user or a bumped token
version takes effect on the very next call. A seed (DRF) token costs one more
read: a Query of the keys-only legacy_token-index for its digest, before the
same GetItem, which must still hold that digest.
"""

import hmac

from chalicelib.config import settings
from chalicelib.errors import AuthenticationFailed, NotAuthenticated
from chalicelib.users.legacy_tokens import is_legacy_token, legacy_token_digest
from chalicelib.users.models import UserRecord
from chalicelib.users.selectors import user_get_by_email, user_get_by_legacy_token_digest
from chalicelib.users.tokens import token_decode

# "Token" is the seed's (DRF's) scheme; "Bearer" is what JWT clients send.
ACCEPTED_SCHEMES = frozenset({"token", "bearer"})


def user_from_authorization(header: str | None) -> UserRecord:
    if not header or not header.strip():
        raise NotAuthenticated()
    parts = header.split()
    if parts[0].lower() not in ACCEPTED_SCHEMES:
        raise NotAuthenticated()
    if len(parts) != 2:
        raise AuthenticationFailed("Invalid token header.")
    if is_legacy_token(parts[0], parts[1]):
        return _user_of_legacy_token(parts[1])
    claims = token_decode(parts[1])
    user = user_get_by_email(email=claims.email)
    if user is None or user.user_id != claims.user_id or not user.is_active:
        raise AuthenticationFailed("User inactive or deleted.")
    if int(user.token_version) != claims.token_version:
        raise AuthenticationFailed("Invalid token.")
    return user


def _user_of_legacy_token(key: str) -> UserRecord:
    if not settings().legacy_tokens_enabled:
        raise AuthenticationFailed("Invalid token.")
    digest = legacy_token_digest(key)
    user = user_get_by_legacy_token_digest(digest=digest)
    # The index lags: the item itself says whether the token still holds (a
    # password change or a deactivation drops it).
    if user is None or not hmac.compare_digest(user.legacy_token_digest or "", digest):
        raise AuthenticationFailed("Invalid token.")
    if not user.is_active:
        raise AuthenticationFailed("User inactive or deleted.")
    return user
