"""Who is calling: the Authorization header checked against the user's item.

One consistent GetItem per request, so a deactivated user or a bumped token
version takes effect on the very next call.
"""

from chalicelib.errors import AuthenticationFailed, NotAuthenticated
from chalicelib.users.models import UserRecord
from chalicelib.users.selectors import user_get_by_email
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
    claims = token_decode(parts[1])
    user = user_get_by_email(email=claims.email)
    if user is None or user.user_id != claims.user_id or not user.is_active:
        raise AuthenticationFailed("User inactive or deleted.")
    if int(user.token_version) != claims.token_version:
        raise AuthenticationFailed("Invalid token.")
    return user
