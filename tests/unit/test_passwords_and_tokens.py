import base64
import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from chalicelib.config import settings
from chalicelib.errors import AuthenticationFailed
from chalicelib.users.passwords import hash_password, needs_rehash, spend_verification_time, verify_password
from chalicelib.users.tokens import TokenClaims, token_decode, token_issue
from tests.support.accounts import EMAIL

ARGON2_HASH = re.compile(r"^\$argon2id\$v=19\$m=(?P<m>\d+),t=(?P<t>\d+),p=(?P<p>\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$")
ACCESS_KEY = settings().signing_key("access-token")
USER_ID = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def stored_hash() -> str:
    return hash_password("correct horse battery")


def test_hash_is_argon2id_with_at_least_owasp_minimum_cost(stored_hash: str) -> None:
    match = ARGON2_HASH.match(stored_hash)
    assert match, stored_hash
    assert int(match["m"]) >= 19456
    assert int(match["t"]) >= 2
    assert int(match["p"]) >= 1


def test_hash_is_salted(stored_hash: str) -> None:
    assert hash_password("correct horse battery") != stored_hash


def test_hash_does_not_contain_the_password(stored_hash: str) -> None:
    assert "correct horse battery" not in stored_hash


def test_verify_accepts_the_right_password(stored_hash: str) -> None:
    assert verify_password(stored_hash, "correct horse battery") is True


@pytest.mark.parametrize("wrong", ["correct horse batter", "Correct horse battery", ""])
def test_verify_rejects_a_wrong_password(stored_hash: str, wrong: str) -> None:
    assert verify_password(stored_hash, wrong) is False


@pytest.mark.parametrize("garbage", ["", "not-a-hash", "$argon2id$v=19$m=19456,t=2,p=1$broken", "pbkdf2_sha256$1$a$b"])
def test_verify_of_a_garbage_hash_returns_false(garbage: str) -> None:
    assert verify_password(garbage, "correct horse battery") is False


def test_spend_verification_time_returns_none_for_any_password() -> None:
    assert spend_verification_time("whatever") is None


def _issue(**overrides: object) -> str:
    return token_issue(user_id=USER_ID, email=EMAIL, token_version=1, **overrides)


def _claims(**overrides: object) -> dict:
    now = datetime.now(UTC)
    claims = {
        "sub": USER_ID,
        "email": EMAIL,
        "ver": 1,
        "iat": now,
        "exp": now + timedelta(hours=1),
        "jti": uuid.uuid4().hex,
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_token_round_trip() -> None:
    assert token_decode(_issue()) == TokenClaims(user_id=USER_ID, email=EMAIL, token_version=1)


def test_token_round_trip_keeps_token_version() -> None:
    token = token_issue(user_id=USER_ID, email=EMAIL, token_version=7)
    assert token_decode(token).token_version == 7


def test_token_carries_required_claims_and_ttl() -> None:
    claims = jwt.decode(_issue(), ACCESS_KEY, algorithms=["HS256"])
    assert set(claims) == {"sub", "iat", "exp", "jti", "email", "ver"}
    assert claims["sub"] == USER_ID
    assert claims["email"] == EMAIL
    assert claims["ver"] == 1
    assert claims["exp"] - claims["iat"] == settings().token_ttl_seconds
    assert re.fullmatch(r"[0-9a-f]{32}", claims["jti"])


def test_each_token_has_a_distinct_jti() -> None:
    first = jwt.decode(_issue(), ACCESS_KEY, algorithms=["HS256"])
    second = jwt.decode(_issue(), ACCESS_KEY, algorithms=["HS256"])
    assert first["jti"] != second["jti"]


def test_token_header_is_hs256() -> None:
    assert jwt.get_unverified_header(_issue()) == {"alg": "HS256", "typ": "JWT"}


def test_token_issued_with_explicit_now_uses_it() -> None:
    now = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    claims = jwt.decode(_issue(now=now), ACCESS_KEY, algorithms=["HS256"], options={"verify_iat": False})
    assert claims["iat"] == int(now.timestamp())


def test_expired_token_is_rejected() -> None:
    issued_long_ago = datetime.now(UTC) - timedelta(seconds=settings().token_ttl_seconds + 60)
    with pytest.raises(AuthenticationFailed, match="expired"):
        token_decode(_issue(now=issued_long_ago))


def test_token_signed_with_another_key_is_rejected() -> None:
    forged = jwt.encode(_claims(), "another-key-of-sufficient-length-0123456789", algorithm="HS256")
    with pytest.raises(AuthenticationFailed):
        token_decode(forged)


def test_token_signed_with_the_secret_key_of_another_purpose_is_rejected() -> None:
    other_purpose = jwt.encode(_claims(), settings().signing_key("orders-cursor"), algorithm="HS256")
    with pytest.raises(AuthenticationFailed):
        token_decode(other_purpose)


def test_token_with_tampered_payload_is_rejected() -> None:
    header, _, signature = _issue().split(".")
    tampered = ".".join([header, _b64(_claims(sub="someone-else", iat=1, exp=4_000_000_000)), signature])
    with pytest.raises(AuthenticationFailed):
        token_decode(tampered)


def test_unsigned_alg_none_token_from_pyjwt_is_rejected() -> None:
    unsigned = jwt.encode(_claims(), key=None, algorithm="none")
    with pytest.raises(AuthenticationFailed):
        token_decode(unsigned)


def test_hand_built_alg_none_token_is_rejected() -> None:
    payload = {"sub": USER_ID, "email": EMAIL, "ver": 1, "iat": 1, "exp": 4_000_000_000, "jti": "x"}
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(payload)}."
    with pytest.raises(AuthenticationFailed):
        token_decode(unsigned)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_hs512_token_signed_with_the_right_key_is_rejected() -> None:
    other_algorithm = jwt.encode(_claims(), ACCESS_KEY, algorithm="HS512")
    with pytest.raises(AuthenticationFailed):
        token_decode(other_algorithm)


@pytest.mark.parametrize("missing", ["sub", "iat", "exp", "jti", "email", "ver"])
def test_token_missing_a_required_claim_is_rejected(missing: str) -> None:
    token = jwt.encode(_claims(**{missing: None}), ACCESS_KEY, algorithm="HS256")
    with pytest.raises(AuthenticationFailed):
        token_decode(token)


@pytest.mark.parametrize(
    "wrong_type",
    [{"sub": 12345}, {"email": ["buyer@example.com"]}, {"ver": "1"}, {"ver": 1.5}, {"exp": "tomorrow"}],
    ids=["sub-int", "email-list", "ver-str", "ver-float", "exp-str"],
)
def test_token_with_a_claim_of_the_wrong_type_is_rejected(wrong_type: dict) -> None:
    token = jwt.encode(_claims(**wrong_type), ACCESS_KEY, algorithm="HS256")
    with pytest.raises(AuthenticationFailed):
        token_decode(token)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Token abc"])
def test_garbage_token_is_rejected(garbage: str) -> None:
    with pytest.raises(AuthenticationFailed):
        token_decode(garbage)


def test_token_with_boolean_version_is_rejected() -> None:
    token = jwt.encode(_claims(ver=True), ACCESS_KEY, algorithm="HS256")
    with pytest.raises(AuthenticationFailed):
        token_decode(token)


@pytest.mark.parametrize(
    "stored",
    [
        "pbkdf2_sha256$many$salt$hash",
        "pbkdf2_sha256$0$salt$hash",
        "pbkdf2_sha256$1000",
        "pbkdf2_sha1$99999999999$salt$hash",
        "argon2$argon2id$garbage",
        "bcrypt_sha256$$2b$12$not-a-bcrypt-hash",
        "scrypt$16384$salt$8$1",
        "scrypt$3$salt$8$1$hash",
        "md5$salt$hash",
        "!unusable",
        "",
    ],
)
def test_a_malformed_or_unknown_django_hash_matches_nothing(stored: str) -> None:
    assert verify_password(stored, "any password") is False


def test_a_django_hash_verifies_once_and_asks_to_be_replaced() -> None:
    from tests.support.seed_databases import django_hash

    stored = django_hash("correct horse battery", "pbkdf2_sha256")
    assert verify_password(stored, "correct horse battery") is True
    assert needs_rehash(stored) is True
    assert needs_rehash(hash_password("correct horse battery")) is False
