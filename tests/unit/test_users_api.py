import json
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from chalicelib.config import settings
from chalicelib.errors import Conflict
from chalicelib.users.models import UserRecord
from chalicelib.users.services import user_register
from chalicelib.users.tokens import token_issue
from chalicelib.web.requests import MAX_BODY_BYTES
from tests.support.accounts import EMAIL, PASSWORD
from tests.unit.conftest import Api

REGISTER_PATHS = ["/api/users/register/", "/api/users/register"]
LOGIN_PATHS = ["/api/users/login/", "/api/users/login"]
PROTECTED = "/api/orders/"
CHALLENGE = 'Token realm="api"'
REQUIRED = ["This field is required."]
INVALID_CREDENTIALS = {"detail": "Unable to log in with provided credentials."}
EMAIL_TAKEN = {"email": ["user with this email already exists."]}


def _orders_status(api: Api, authorization: str | None) -> tuple[int, dict, dict]:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = api.get(PROTECTED, headers=headers)
    return response.status_code, response.json_body, response.headers


def _assert_challenged(status: int, headers: dict) -> None:
    assert status == 401
    assert headers.get("WWW-Authenticate") == CHALLENGE


def _stored_user(email: str = EMAIL) -> UserRecord:
    return UserRecord.get(email, consistent_read=True)


def _login(api: Api, email: str, password: str, path: str = "/api/users/login/"):
    return api.post(path, {"email": email, "password": password})


# Registration


@pytest.mark.parametrize("path", REGISTER_PATHS)
def test_register_returns_201_with_only_a_token(api: Api, path: str) -> None:
    response = api.post(path, {"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 201
    assert set(response.json_body) == {"token"}
    assert isinstance(response.json_body["token"], str)


def test_a_registration_whose_token_cannot_be_issued_saves_no_account(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.users import services

    def overflowing(**_: object) -> str:
        raise OverflowError("date value out of range")

    monkeypatch.setattr(services, "token_issue", overflowing)
    response = api.post(REGISTER_PATHS[0], {"email": EMAIL, "password": PASSWORD})

    assert response.status_code == 500
    assert set(response.json_body) == {"detail", "request_id"}
    with pytest.raises(UserRecord.DoesNotExist):
        UserRecord.get(EMAIL, consistent_read=True)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("straße@example.com", "STRASSE@example.com"),
        ("σίσυφος@example.com", "ΣΊΣΥΦΟΣ@example.com"),  # the two final sigmas
        ("ﬁnance@example.com", "FINANCE@example.com"),  # a ligature, NFKC's
    ],
)
def test_emails_equal_under_case_folding_are_one_account(api: Api, first: str, second: str) -> None:
    assert api.post(REGISTER_PATHS[0], {"email": first, "password": PASSWORD}).status_code == 201
    response = api.post(REGISTER_PATHS[0], {"email": second, "password": PASSWORD})
    assert response.status_code == 409
    assert response.json_body == EMAIL_TAKEN
    assert _login(api, second, PASSWORD).status_code == 200
    [user] = UserRecord.scan()
    assert user.display_email == first


def test_an_ascii_email_keeps_the_key_it_had_before_case_folding(api: Api) -> None:
    api.post(REGISTER_PATHS[0], {"email": "  Mixed.Case@Example.COM ", "password": PASSWORD})
    [user] = UserRecord.scan()
    assert user.email == "mixed.case@example.com"
    assert user.display_email == "Mixed.Case@example.com"


def test_a_local_part_longer_than_64_characters_is_refused(api: Api) -> None:
    accepted = api.post(REGISTER_PATHS[0], {"email": "a" * 64 + "@example.com", "password": PASSWORD})
    refused = api.post(REGISTER_PATHS[0], {"email": "b" * 65 + "@example.com", "password": PASSWORD})
    assert accepted.status_code == 201
    assert refused.status_code == 400
    assert refused.json_body == {"email": ["Enter a valid email address."]}


def test_registered_token_authenticates_a_request(api: Api) -> None:
    token = api.register()
    response = api.get(PROTECTED, token=token)
    assert response.status_code == 200
    assert response.json_body == {"results": [], "next_cursor": None}


def test_register_stores_a_normalized_email_and_a_hash(api: Api) -> None:
    api.register(email="Mixed.Case@Example.COM")
    user = _stored_user("mixed.case@example.com")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert user.is_active is True
    assert int(user.token_version) == 1


def test_register_names_are_optional_and_default_to_empty(api: Api) -> None:
    api.register()
    user = _stored_user()
    assert (user.first_name, user.last_name) == ("", "")


def test_register_stores_given_names_stripped(api: Api) -> None:
    body = {"email": EMAIL, "password": PASSWORD, "first_name": "  Ann ", "last_name": "Lee"}
    assert api.post("/api/users/register/", body).status_code == 201
    user = _stored_user()
    assert (user.first_name, user.last_name) == ("Ann", "Lee")


def test_register_ignores_unknown_fields(api: Api) -> None:
    body = {"email": EMAIL, "password": PASSWORD, "is_active": False, "token_version": 99}
    assert api.post("/api/users/register/", body).status_code == 201
    user = _stored_user()
    assert user.is_active is True
    assert int(user.token_version) == 1


def test_register_duplicate_email_differing_in_case_is_a_conflict(api: Api) -> None:
    api.register(email="buyer@example.com")
    response = api.post("/api/users/register/", {"email": "BUYER@Example.com", "password": "another fine phrase"})
    assert response.status_code == 409
    assert response.json_body == EMAIL_TAKEN


def test_register_conflict_keeps_the_first_user(api: Api) -> None:
    api.register(password=PASSWORD)
    api.post("/api/users/register/", {"email": EMAIL, "password": "another fine phrase"})
    assert _login(api, EMAIL, PASSWORD).status_code == 200
    assert _login(api, EMAIL, "another fine phrase").status_code == 401


@pytest.mark.parametrize("email", ["not-an-email", "buyer@", "@example.com", "buyer example@example.com", 42])
def test_register_invalid_email_is_rejected(api: Api, email: object) -> None:
    response = api.post("/api/users/register/", {"email": email, "password": PASSWORD})
    assert response.status_code == 400
    assert set(response.json_body) == {"email"}


def test_register_invalid_email_message_is_drf_like(api: Api) -> None:
    response = api.post("/api/users/register/", {"email": "not-an-email", "password": PASSWORD})
    assert response.json_body == {"email": ["Enter a valid email address."]}


def test_register_missing_fields_are_required(api: Api) -> None:
    response = api.post("/api/users/register/", {})
    assert response.status_code == 400
    assert response.json_body == {"email": REQUIRED, "password": REQUIRED}


def test_register_empty_body_reports_missing_fields(api: Api) -> None:
    response = api.post("/api/users/register/", "")
    assert response.status_code == 400
    assert response.json_body == {"email": REQUIRED, "password": REQUIRED}


@pytest.mark.parametrize(
    ("password", "problems"),
    [
        ("short1!", ["This password is too short. It must contain at least 8 characters."]),
        ("80417263951", ["This password is entirely numeric."]),
        ("password", ["This password is too common."]),
        ("buyer-example", ["The password is too similar to the email address."]),
    ],
    ids=["short", "numeric", "common", "similar"],
)
def test_register_password_rule_violation_is_rejected(api: Api, password: str, problems: list[str]) -> None:
    response = api.post("/api/users/register/", {"email": EMAIL, "password": password})
    assert response.status_code == 400
    assert response.json_body == {"password": problems}
    with pytest.raises(UserRecord.DoesNotExist):
        _stored_user()


def test_register_password_similar_to_first_name_is_rejected(api: Api) -> None:
    body = {"email": EMAIL, "password": "marguerite1", "first_name": "Marguerite"}
    response = api.post("/api/users/register/", body)
    assert response.status_code == 400
    assert response.json_body == {"password": ["The password is too similar to the first name."]}


def test_register_blank_password_is_rejected(api: Api) -> None:
    response = api.post("/api/users/register/", {"email": EMAIL, "password": ""})
    assert response.status_code == 400
    assert response.json_body == {"password": ["This field may not be blank."]}


def test_password_never_appears_in_any_response(api: Api) -> None:
    secret = "Unguessable-Phrase-7391"
    responses = [
        api.post("/api/users/register/", {"email": EMAIL, "password": secret}),
        api.post("/api/users/register/", {"email": EMAIL, "password": secret}),
        api.post("/api/users/register/", {"email": "bad", "password": secret}),
        api.post("/api/users/register/", {"email": "other@example.com", "password": "x" * 300 + secret}),
        _login(api, EMAIL, secret),
        _login(api, EMAIL, secret + "-wrong"),
        _login(api, "nobody@example.com", secret),
        api.post("/api/users/register/", '{"email": "a@example.com", "password": "' + secret + '"'),
    ]
    assert [response.status_code for response in responses] == [201, 409, 400, 400, 200, 401, 401, 400]
    for response in responses:
        assert secret not in response.body.decode()
    tokens = [response.json_body["token"] for response in responses if response.status_code in (200, 201)]
    for token in tokens:
        assert secret not in json.dumps(jwt.decode(token, options={"verify_signature": False}))


@pytest.mark.parametrize(
    "body",
    [b"email=%ff%fe%40example.com&password=correct+horse+battery", b"email=\xff\xfe@example.com&password=x"],
    ids=["percent-encoded", "raw-bytes"],
)
def test_a_form_body_with_invalid_utf8_is_a_400_naming_the_field(api: Api, body: bytes) -> None:
    response = api.post(REGISTER_PATHS[0], body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400
    assert response.json_body == {"email": ["Not valid UTF-8."]}
    assert list(UserRecord.scan()) == []


def test_register_accepts_a_form_encoded_body(api: Api) -> None:
    response = api.post(
        "/api/users/register/",
        "email=form%40example.com&password=correct+horse+battery&first_name=Ann",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 201
    assert _stored_user("form@example.com").first_name == "Ann"
    assert _login(api, "form@example.com", PASSWORD).status_code == 200


def test_register_malformed_json_is_rejected_with_detail(api: Api) -> None:
    response = api.post("/api/users/register/", '{"email": "buyer@example.com",')
    assert response.status_code == 400
    assert set(response.json_body) == {"detail"}
    assert response.json_body["detail"].startswith("JSON parse error")


def test_register_json_array_body_is_a_non_field_error(api: Api) -> None:
    response = api.post("/api/users/register/", [{"email": EMAIL, "password": PASSWORD}])
    assert response.status_code == 400
    assert response.json_body == {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}


def test_register_body_over_64_kib_is_too_large(api: Api) -> None:
    body = json.dumps({"email": EMAIL, "password": PASSWORD, "padding": "x" * MAX_BODY_BYTES})
    response = api.post("/api/users/register/", body)
    assert response.status_code == 413
    assert set(response.json_body) == {"detail"}
    with pytest.raises(UserRecord.DoesNotExist):
        _stored_user()


def test_register_body_of_exactly_64_kib_is_accepted(api: Api) -> None:
    prefix = json.dumps({"email": EMAIL, "password": PASSWORD, "padding": ""})[:-2]
    body = prefix + "x" * (MAX_BODY_BYTES - len(prefix) - 2) + '"}'
    assert len(body.encode()) == MAX_BODY_BYTES
    assert api.post("/api/users/register/", body).status_code == 201


def test_register_unsupported_content_type_is_415_with_detail(api: Api) -> None:
    response = api.post(
        "/api/users/register/",
        json.dumps({"email": EMAIL, "password": PASSWORD}),
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 415
    assert set(response.json_body) == {"detail"}
    with pytest.raises(UserRecord.DoesNotExist):
        _stored_user()


# Login


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_login_with_right_password_returns_a_working_token(api: Api, path: str) -> None:
    api.register()
    response = _login(api, EMAIL, PASSWORD, path)
    assert response.status_code == 200
    assert set(response.json_body) == {"token"}
    assert api.get(PROTECTED, token=response.json_body["token"]).status_code == 200


def test_login_wrong_password_and_unknown_email_are_indistinguishable(api: Api) -> None:
    api.register()
    wrong_password = _login(api, EMAIL, "not the password")
    unknown_email = _login(api, "nobody@example.com", PASSWORD)
    for response in (wrong_password, unknown_email):
        assert response.status_code == 401
        assert response.headers.get("WWW-Authenticate") == CHALLENGE
    assert wrong_password.json_body == unknown_email.json_body == INVALID_CREDENTIALS


@pytest.mark.parametrize("spelling", ["BUYER@example.com", "Buyer@Example.Com"])
def test_login_is_case_insensitive_on_email(api: Api, spelling: str) -> None:
    api.register(email="buyer@example.com")
    assert _login(api, spelling, PASSWORD).status_code == 200


def test_login_is_case_sensitive_on_password(api: Api) -> None:
    api.register()
    assert _login(api, EMAIL, PASSWORD.upper()).status_code == 401


def test_login_of_inactive_user_is_refused_like_a_wrong_password(api: Api) -> None:
    api.register()
    user = _stored_user()
    user.update(actions=[UserRecord.is_active.set(False)])
    response = _login(api, EMAIL, PASSWORD)
    assert response.status_code == 401
    assert response.json_body == INVALID_CREDENTIALS


def test_login_missing_fields_are_required(api: Api) -> None:
    response = api.post("/api/users/login/", {})
    assert response.status_code == 400
    assert response.json_body == {"email": REQUIRED, "password": REQUIRED}


def test_login_unknown_email_costs_about_as_much_as_a_wrong_password(api: Api) -> None:
    api.register()
    _login(api, "warmup@example.com", PASSWORD)

    def median_seconds(email: str, password: str) -> float:
        durations = []
        for _ in range(5):
            started = time.perf_counter()
            assert _login(api, email, password).status_code == 401
            durations.append(time.perf_counter() - started)
        return statistics.median(durations)

    wrong_password = median_seconds(EMAIL, "not the password")
    unknown_email = median_seconds("nobody@example.com", PASSWORD)
    assert unknown_email >= 0.5 * wrong_password, (unknown_email, wrong_password)


# Authentication of requests


def test_missing_authorization_header_is_challenged(api: Api) -> None:
    status, body, headers = _orders_status(api, None)
    _assert_challenged(status, headers)
    assert body == {"detail": "Authentication credentials were not provided."}


@pytest.mark.parametrize("scheme", ["Bearer", "Token", "bearer", "TOKEN"])
def test_token_and_bearer_schemes_are_accepted(api: Api, scheme: str) -> None:
    token = api.register()
    status, _, _ = _orders_status(api, f"{scheme} {token}")
    assert status == 200


@pytest.mark.parametrize(
    "header_template",
    ["", "   ", "Token", "Bearer", "Token {t} extra", "Token a b", "Basic xyz", "Basic {t}", "{t}", "Tokens {t}"],
)
def test_malformed_authorization_header_is_challenged(api: Api, header_template: str) -> None:
    token = api.register()
    status, body, headers = _orders_status(api, header_template.format(t=token))
    _assert_challenged(status, headers)
    assert set(body) == {"detail"}


def test_expired_token_is_challenged(api: Api) -> None:
    api.register()
    user = _stored_user()
    issued_long_ago = datetime.now(UTC) - timedelta(seconds=settings().token_ttl_seconds + 60)
    expired = token_issue(user_id=user.user_id, email=user.email, token_version=1, now=issued_long_ago)
    status, body, headers = _orders_status(api, f"Token {expired}")
    _assert_challenged(status, headers)
    assert body == {"detail": "Token has expired."}


def _claims_for(user: UserRecord) -> dict:
    now = datetime.now(UTC)
    return {
        "sub": user.user_id,
        "email": user.email,
        "ver": int(user.token_version),
        "iat": now,
        "exp": now + timedelta(hours=1),
        "jti": "forged",
    }


def test_token_signed_with_another_key_is_challenged(api: Api) -> None:
    api.register()
    forged = jwt.encode(_claims_for(_stored_user()), "another-key-of-sufficient-length-0123456789", algorithm="HS256")
    status, body, headers = _orders_status(api, f"Token {forged}")
    _assert_challenged(status, headers)
    assert body == {"detail": "Invalid token."}


def test_unsigned_alg_none_token_is_challenged(api: Api) -> None:
    api.register()
    unsigned = jwt.encode(_claims_for(_stored_user()), key=None, algorithm="none")
    status, body, headers = _orders_status(api, f"Bearer {unsigned}")
    _assert_challenged(status, headers)
    assert body == {"detail": "Invalid token."}


def test_token_of_a_deleted_user_is_challenged(api: Api) -> None:
    token = api.register()
    _stored_user().delete()
    status, _, headers = _orders_status(api, f"Token {token}")
    _assert_challenged(status, headers)


def test_token_of_a_deleted_and_reregistered_email_is_challenged(api: Api) -> None:
    old_token = api.register()
    _stored_user().delete()
    new_token = api.register()
    status, _, headers = _orders_status(api, f"Token {old_token}")
    _assert_challenged(status, headers)
    assert _orders_status(api, f"Token {new_token}")[0] == 200


def test_token_of_an_inactive_user_is_challenged(api: Api) -> None:
    token = api.register()
    _stored_user().update(actions=[UserRecord.is_active.set(False)])
    status, _, headers = _orders_status(api, f"Token {token}")
    _assert_challenged(status, headers)


def test_token_with_an_outdated_version_is_challenged(api: Api) -> None:
    token = api.register()
    _stored_user().update(actions=[UserRecord.token_version.add(1)])
    status, body, headers = _orders_status(api, f"Token {token}")
    _assert_challenged(status, headers)
    assert body == {"detail": "Invalid token."}


def test_login_after_version_bump_issues_a_working_token(api: Api) -> None:
    api.register()
    _stored_user().update(actions=[UserRecord.token_version.add(1)])
    token = _login(api, EMAIL, PASSWORD).json_body["token"]
    assert jwt.decode(token, options={"verify_signature": False})["ver"] == 2
    assert _orders_status(api, f"Token {token}")[0] == 200


# Concurrency


@pytest.mark.usefixtures("aws")
def test_concurrent_registrations_of_one_email_create_exactly_one_user() -> None:
    attempts = 20
    start = threading.Barrier(attempts)

    def register(n: int) -> object:
        start.wait()
        try:
            user_register(email=f"Race@Example.com{' ' * (n % 2)}", password=f"correct horse battery {n}")
        except Conflict as conflict:
            return conflict.field_errors
        return "created"

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        outcomes = list(pool.map(register, range(attempts)))

    assert outcomes.count("created") == 1
    assert [outcome for outcome in outcomes if outcome != "created"] == [EMAIL_TAKEN] * (attempts - 1)
    assert len(list(UserRecord.scan())) == 1
