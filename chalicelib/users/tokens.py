"""Access tokens: HS256 JWTs made and checked with PyJWT."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from chalicelib.config import settings
from chalicelib.errors import AuthenticationFailed

ALGORITHM = "HS256"
_KEY_PURPOSE = "access-token"
_REQUIRED_CLAIMS = ["sub", "iat", "exp", "jti", "email", "ver"]


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    email: str
    token_version: int


def token_issue(*, user_id: str, email: str, token_version: int, now: datetime | None = None) -> str:
    issued_at = now or datetime.now(UTC)
    claims = {
        "sub": user_id,
        "email": email,
        "ver": token_version,
        "iat": issued_at,
        "exp": issued_at + timedelta(seconds=settings().token_ttl_seconds),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, settings().signing_key(_KEY_PURPOSE), algorithm=ALGORITHM)


def token_decode(token: str) -> TokenClaims:
    try:
        claims = jwt.decode(
            token,
            settings().signing_key(_KEY_PURPOSE),
            algorithms=[ALGORITHM],
            options={"require": _REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationFailed("Token has expired.") from None
    except jwt.PyJWTError:
        raise AuthenticationFailed("Invalid token.") from None
    if type(claims["sub"]) is not str or type(claims["email"]) is not str or type(claims["ver"]) is not int:
        raise AuthenticationFailed("Invalid token.")
    return TokenClaims(user_id=claims["sub"], email=claims["email"], token_version=claims["ver"])
