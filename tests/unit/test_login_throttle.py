"""Password attempts: 5 per email and client address in 15 minutes (100 per
email from anywhere), then 429 with Retry-After until the window passes. Each
attempt is reserved (counted) before its password is checked, by a conditional
write on the expiring table; a right password clears its count. A password
change, made with a valid token, has its own limit per token holder: failed
logins never lock it out."""

import contextlib
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from chalicelib.errors import InvalidCredentials, TooManyRequests
from chalicelib.users import login_attempts, services
from chalicelib.users.login_attempts import (
    MAX_ATTEMPTS_PER_ADDRESS,
    MAX_ATTEMPTS_PER_EMAIL,
    WINDOW,
    LoginAttemptsRecord,
    login_attempt_reserve,
    login_attempts_clear,
)
from chalicelib.users.models import UserRecord
from tests.support.accounts import EMAIL, PASSWORD
from tests.support.aws_calls import recorded_dynamodb_calls
from tests.unit.conftest import Api

NEW_PASSWORD = "purple elephant umbrella"
WRONG = "not the password"
LOGIN_PATHS = ["/api/users/login/", "/api/users/login"]
CHANGE_PASSWORD = "/api/users/change-password/"
EXPIRING_TABLE = "catalyst-test-expiring"
THROTTLED = {"detail": "Too many failed logins for this email. Try again later."}
INVALID_CREDENTIALS = {"detail": "Unable to log in with provided credentials."}
WRONG_CURRENT = {"current_password": ["Your old password was entered incorrectly."]}
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
# chalice.test's (and Chalice local's) sourceIp: every API call here comes from it.
ADDRESS = "127.0.0.1"


def login(api: Api, email: str = EMAIL, password: str = PASSWORD, path: str = LOGIN_PATHS[0]):
    return api.post(path, {"email": email, "password": password})


def fail(api: Api, times: int, email: str = EMAIL) -> None:
    for _ in range(times):
        response = login(api, email, WRONG)
        assert response.status_code == 401, response.json_body
        assert response.json_body == INVALID_CREDENTIALS


def record(email: str = EMAIL) -> LoginAttemptsRecord:
    """The window of this email's attempts from ADDRESS, the one that refuses at 5."""
    return LoginAttemptsRecord.get(f"LOGIN#{email}#FROM#{ADDRESS}", consistent_read=True)


def attempts(email: str = EMAIL) -> int:
    return int(record(email).attempts)


def assert_no_record(email: str = EMAIL) -> None:
    with pytest.raises(LoginAttemptsRecord.DoesNotExist):
        record(email)


def change_record() -> LoginAttemptsRecord:
    user_id = UserRecord.get(EMAIL, consistent_read=True).user_id
    return LoginAttemptsRecord.get(f"PASSWORD-CHANGE#{user_id}", consistent_read=True)


def end_the_window(email: str = EMAIL) -> None:
    record(email).update(actions=[LoginAttemptsRecord.window_ends_at.set(datetime.now(UTC) - timedelta(seconds=1))])


def retry_after(response) -> int:
    value = response.headers["Retry-After"]
    assert value.isdigit(), value
    return int(value)


def assert_throttled(response) -> int:
    assert response.status_code == 429, response.json_body
    assert response.json_body == THROTTLED
    assert "WWW-Authenticate" not in response.headers
    seconds = retry_after(response)
    assert 1 <= seconds <= WINDOW.total_seconds()
    return seconds


@pytest.fixture
def password_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password checked against a stored hash, in order."""
    checked: list[str] = []
    verify = services.verify_password

    def counting_verify(password_hash: str, password: str) -> bool:
        checked.append(password)
        return verify(password_hash, password)

    monkeypatch.setattr(services, "verify_password", counting_verify)
    return checked


def test_the_limits_are_five_attempts_in_fifteen_minutes() -> None:
    assert MAX_ATTEMPTS_PER_ADDRESS == 5
    assert MAX_ATTEMPTS_PER_EMAIL == 100
    assert timedelta(minutes=15) == WINDOW


# Through the API


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_the_sixth_attempt_after_five_failures_is_429_even_with_the_right_password(api: Api, path: str) -> None:
    api.register()
    fail(api, 5)
    started = datetime.now(UTC)

    response = login(api, path=path)

    seconds = assert_throttled(response)
    window_left = (record().window_ends_at - started).total_seconds()
    assert window_left - 1 <= seconds <= window_left + 1
    assert seconds > WINDOW.total_seconds() - 60


def test_the_fifth_attempt_is_still_judged_on_the_password(api: Api) -> None:
    api.register()
    fail(api, 4)
    response = login(api)
    assert response.status_code == 200


def test_the_fifth_failure_is_a_401_and_only_then_the_limit_applies(api: Api) -> None:
    api.register()
    fail(api, 4)
    fifth = login(api, password=WRONG)
    assert fifth.status_code == 401
    assert fifth.json_body == INVALID_CREDENTIALS
    assert_throttled(login(api, password=WRONG))


def test_throttled_attempts_stay_throttled_and_are_not_counted(api: Api) -> None:
    api.register()
    fail(api, 5)
    for password in (PASSWORD, WRONG, PASSWORD):
        assert_throttled(login(api, password=password))
    assert attempts() == 5


def test_a_throttled_attempt_checks_no_password(api: Api, password_checks: list[str]) -> None:
    api.register()
    fail(api, 5)
    assert len(password_checks) == 5

    assert_throttled(login(api))
    assert_throttled(login(api, password=WRONG))

    assert len(password_checks) == 5


def test_each_attempt_is_counted_before_its_password_is_checked(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    api.register()
    seen: list[int] = []
    verify = services.verify_password

    def verify_and_look(password_hash: str, password: str) -> bool:
        seen.append(attempts())
        return verify(password_hash, password)

    monkeypatch.setattr(services, "verify_password", verify_and_look)
    fail(api, 3)
    assert login(api).status_code == 200

    assert seen == [1, 2, 3, 4]
    assert_no_record()


def test_unknown_emails_are_limited_the_same_way(api: Api) -> None:
    fail(api, 5, email="nobody@example.com")
    assert_throttled(login(api, email="nobody@example.com"))
    assert attempts("nobody@example.com") == 5


def test_an_unknown_email_is_not_throttled_before_five_failures(api: Api) -> None:
    fail(api, 4, email="nobody@example.com")
    response = login(api, email="nobody@example.com")
    assert response.status_code == 401
    assert response.json_body == INVALID_CREDENTIALS


def test_other_emails_are_unaffected(api: Api) -> None:
    api.register()
    api.register(email="other@example.com")
    fail(api, 5)

    assert login(api, email="other@example.com").status_code == 200
    other_wrong = login(api, email="other@example.com", password=WRONG)
    assert other_wrong.status_code == 401
    assert other_wrong.json_body == INVALID_CREDENTIALS
    assert_throttled(login(api))


def test_the_limit_is_per_email_regardless_of_case(api: Api) -> None:
    api.register()
    spellings = (
        "Buyer@Example.com",
        "BUYER@EXAMPLE.COM",
        "buyer@example.com",
        "bUyEr@example.COM",
        "buyer@EXAMPLE.com",
    )
    for spelling in spellings:
        response = login(api, spelling, WRONG)
        assert response.status_code == 401
    assert attempts() == 5

    assert_throttled(login(api, "buyer@example.com"))
    assert_throttled(login(api, "BUYER@example.com"))


def test_logins_work_again_once_the_window_has_passed(api: Api) -> None:
    api.register()
    fail(api, 5)
    assert_throttled(login(api))
    end_the_window()

    response = login(api)

    assert response.status_code == 200
    assert api.get("/api/orders/", token=response.json_body["token"]).status_code == 200
    assert_no_record()


def test_a_failure_after_the_window_opens_a_fresh_window(api: Api) -> None:
    api.register()
    fail(api, 5)
    end_the_window()
    before = datetime.now(UTC)

    fail(api, 1)

    fresh = record()
    assert int(fresh.attempts) == 1
    assert before + WINDOW <= fresh.window_ends_at <= datetime.now(UTC) + WINDOW
    fail(api, 3)
    assert login(api).status_code == 200


def test_a_success_before_the_limit_clears_the_count(api: Api) -> None:
    api.register()
    fail(api, 4)
    assert attempts() == 4

    assert login(api).status_code == 200

    assert_no_record()
    fail(api, 5)
    assert_throttled(login(api))


def test_a_successful_login_leaves_no_record(api: Api) -> None:
    api.register()
    assert login(api).status_code == 200
    assert_no_record()


def test_a_right_password_of_an_inactive_user_counts_as_a_failure(api: Api) -> None:
    api.register()
    UserRecord.get(EMAIL).update(actions=[UserRecord.is_active.set(False)])
    for _ in range(5):
        response = login(api)
        assert response.status_code == 401
        assert response.json_body == INVALID_CREDENTIALS
    assert attempts() == 5
    assert_throttled(login(api))


# Changing one's password: guesses at the current password share the limit


def change_password(api: Api, token: str, current: str, new: str = NEW_PASSWORD):
    return api.post(CHANGE_PASSWORD, {"current_password": current, "new_password": new}, token=token)


def wrong_current(api: Api, token: str, times: int) -> None:
    for _ in range(times):
        response = change_password(api, token, WRONG)
        assert response.status_code == 400, response.json_body
        assert response.json_body == WRONG_CURRENT


def test_the_sixth_password_change_after_five_wrong_current_passwords_is_429(api: Api) -> None:
    token = api.register()
    wrong_current(api, token, 5)
    hash_before = UserRecord.get(EMAIL, consistent_read=True).password_hash

    for current in (PASSWORD, WRONG):
        assert_throttled(change_password(api, token, current))

    user = UserRecord.get(EMAIL, consistent_read=True)
    assert (user.password_hash, int(user.token_version)) == (hash_before, 1)
    assert api.get("/api/orders/", token=token).status_code == 200
    assert int(change_record().attempts) == 5


def test_a_throttled_password_change_checks_no_password(api: Api, password_checks: list[str]) -> None:
    token = api.register()
    wrong_current(api, token, 5)
    assert_throttled(change_password(api, token, PASSWORD))
    assert password_checks == [WRONG] * 5


def test_wrong_current_passwords_do_not_count_against_logins(api: Api) -> None:
    token = api.register()
    wrong_current(api, token, 5)
    assert_no_record()
    assert login(api).status_code == 200


def test_failed_logins_never_lock_out_a_password_change_with_a_valid_token(api: Api) -> None:
    token = api.register()
    fail(api, 5)
    assert_throttled(login(api))
    response = change_password(api, token, PASSWORD)
    assert response.status_code == 200, response.json_body
    assert UserRecord.get(EMAIL, consistent_read=True).token_version == 2


def test_a_right_current_password_clears_the_count(api: Api) -> None:
    token = api.register()
    wrong_current(api, token, 4)
    assert int(change_record().attempts) == 4

    response = change_password(api, token, PASSWORD)

    assert response.status_code == 200
    with pytest.raises(LoginAttemptsRecord.DoesNotExist):
        change_record()
    token = response.json_body["token"]
    wrong_current(api, token, 5)
    assert_throttled(change_password(api, token, NEW_PASSWORD))


def test_a_right_current_password_with_a_weak_new_one_still_clears_the_count(api: Api) -> None:
    token = api.register()
    wrong_current(api, token, 4)
    response = change_password(api, token, PASSWORD, new="short")
    assert response.status_code == 400
    assert set(response.json_body) == {"password"}
    with pytest.raises(LoginAttemptsRecord.DoesNotExist):
        change_record()


def test_a_password_change_counts_under_the_token_holder_alone(api: Api) -> None:
    token = api.register()
    other = api.register(email="other@example.com")
    wrong_current(api, token, 5)
    assert_throttled(change_password(api, token, PASSWORD))
    assert change_password(api, other, PASSWORD).status_code == 200
    assert login(api).status_code == 200


# The record


def test_the_record_lives_in_the_expiring_table_with_a_ttl(api: Api) -> None:
    api.register()
    before = datetime.now(UTC)
    fail(api, 3)
    after = datetime.now(UTC)

    raw = boto3.client("dynamodb").get_item(
        TableName=EXPIRING_TABLE, Key={"pk": {"S": f"LOGIN#buyer@example.com#FROM#{ADDRESS}"}}, ConsistentRead=True
    )["Item"]

    assert set(raw) == {"pk", "attempts", "window_ends_at", "expires_at"}
    assert raw["attempts"] == {"N": "3"}
    window_ends_at = record().window_ends_at
    assert before + WINDOW <= window_ends_at <= after + WINDOW
    assert int(raw["expires_at"]["N"]) == int(window_ends_at.timestamp())


def test_the_expiring_table_expires_items_on_expires_at(aws: None) -> None:
    description = boto3.client("dynamodb").describe_time_to_live(TableName=EXPIRING_TABLE)
    assert description["TimeToLiveDescription"] == {"AttributeName": "expires_at", "TimeToLiveStatus": "ENABLED"}


def test_the_record_key_is_the_normalized_email(api: Api) -> None:
    fail(api, 1, email="  Mixed.Case@Example.COM ")
    assert attempts("mixed.case@example.com") == 1
    assert_no_record("Mixed.Case@Example.COM")


# DynamoDB calls: every attempt writes. The reservation first tries to open a
# window (a conditional PutItem), then to count in the open one (a conditional
# UpdateItem), and only then reads the record; a right password deletes it.


def test_a_clean_successful_login_opens_a_window_then_deletes_it(api: Api) -> None:
    api.register()
    with recorded_dynamodb_calls() as calls:
        response = login(api)
    assert response.status_code == 200
    # Two puts open the pair's and the email's windows, the user is read, and
    # the right password deletes the pair's record.
    assert calls.calls == ["PutItem", "PutItem", "GetItem", "DeleteItem"]
    assert calls.writes == 3


def test_a_successful_login_after_failures_tries_to_open_a_window_then_counts_and_deletes(api: Api) -> None:
    api.register()
    fail(api, 2)
    with recorded_dynamodb_calls() as calls:
        assert login(api).status_code == 200
    # Each put finds its window open, each update counts the attempt in it.
    assert calls.calls == ["PutItem", "UpdateItem", "PutItem", "UpdateItem", "GetItem", "DeleteItem"]
    assert_no_record()


@pytest.mark.parametrize("email", [EMAIL, "nobody@example.com"], ids=["known", "unknown"])
def test_a_first_failure_opens_a_window(api: Api, email: str) -> None:
    api.register()
    with recorded_dynamodb_calls() as calls:
        fail(api, 1, email=email)
    assert calls.calls == ["PutItem", "PutItem", "GetItem"]
    assert attempts(email) == 1


def test_a_later_failure_tries_to_open_a_window_then_counts_in_the_open_one(api: Api) -> None:
    api.register()
    fail(api, 1)
    with recorded_dynamodb_calls() as calls:
        fail(api, 1)
    assert calls.calls == ["PutItem", "UpdateItem", "PutItem", "UpdateItem", "GetItem"]
    assert attempts() == 2


def test_a_failure_after_the_window_has_passed_opens_a_new_one(api: Api) -> None:
    api.register()
    fail(api, 5)
    end_the_window()
    with recorded_dynamodb_calls() as calls:
        fail(api, 1)
    # The pair's ended window is replaced by the put alone; the email's is still open.
    assert calls.calls == ["PutItem", "PutItem", "UpdateItem", "GetItem"]
    assert attempts() == 1


def test_a_throttled_login_tries_both_writes_then_reads_the_record(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    api.register()
    fail(api, 5)
    users_read: list[str] = []
    monkeypatch.setattr(services, "user_get_by_email", lambda *, email: users_read.append(email))
    with recorded_dynamodb_calls() as calls:
        assert_throttled(login(api))
    # Both conditional writes fail; the one read is the record's window, not the user.
    assert calls.calls == ["PutItem", "UpdateItem", "GetItem"]
    assert users_read == []


def test_a_password_change_reserves_then_clears(api: Api) -> None:
    token = api.register()
    with recorded_dynamodb_calls() as calls:
        assert change_password(api, token, PASSWORD).status_code == 200
    # Authentication reads the user; the attempt is reserved (a put that opens
    # a window) and cleared (a delete); the password itself is an update.
    assert calls.calls == ["GetItem", "PutItem", "DeleteItem", "UpdateItem"]


def test_a_wrong_current_password_is_counted_and_writes_nothing_else(api: Api) -> None:
    token = api.register()
    wrong_current(api, token, 1)
    with recorded_dynamodb_calls() as calls:
        wrong_current(api, token, 1)
    # Authentication reads the user; the put finds the window open, the update counts in it.
    assert calls.calls == ["GetItem", "PutItem", "UpdateItem"]
    assert int(change_record().attempts) == 2


# The reservation with an explicit clock


def reserve_at(elapsed: timedelta = timedelta(0), email: str = EMAIL) -> None:
    login_attempt_reserve(email=email, client_address=ADDRESS, now=T0 + elapsed)


@pytest.fixture
def window_used_up_at_t0(aws: None) -> None:
    for _ in range(MAX_ATTEMPTS_PER_ADDRESS):
        reserve_at()


def test_the_first_reservation_opens_a_window(aws: None) -> None:
    reserve_at()
    opened = record()
    assert int(opened.attempts) == 1
    assert opened.window_ends_at == T0 + WINDOW
    assert int(opened.expires_at.timestamp()) == int((T0 + WINDOW).timestamp())


def test_reservations_in_one_window_are_counted(aws: None) -> None:
    for minute in range(4):
        reserve_at(timedelta(minutes=minute))
    counted = record()
    assert int(counted.attempts) == 4
    assert counted.window_ends_at == T0 + WINDOW


def test_the_fifth_reservation_is_granted_and_the_sixth_refused(aws: None) -> None:
    for minute in range(MAX_ATTEMPTS_PER_ADDRESS):
        reserve_at(timedelta(minutes=minute))
    with pytest.raises(TooManyRequests):
        reserve_at(timedelta(minutes=5))
    assert attempts() == MAX_ATTEMPTS_PER_ADDRESS


@pytest.mark.usefixtures("window_used_up_at_t0")
@pytest.mark.parametrize(
    ("elapsed", "expected_retry_after"),
    [
        (timedelta(0), 900),
        (timedelta(minutes=10), 300),
        (timedelta(minutes=14, seconds=59), 1),
        (timedelta(minutes=14, seconds=59, microseconds=999_999), 1),
        (timedelta(minutes=5, milliseconds=500), 600),
    ],
)
def test_retry_after_is_the_rest_of_the_window_rounded_up(elapsed: timedelta, expected_retry_after: int) -> None:
    with pytest.raises(TooManyRequests) as raised:
        reserve_at(elapsed)
    assert raised.value.retry_after_seconds == expected_retry_after
    assert raised.value.detail == THROTTLED["detail"]


@pytest.mark.usefixtures("window_used_up_at_t0")
def test_refused_reservations_change_nothing() -> None:
    for seconds in (1, 60, 600):
        with pytest.raises(TooManyRequests):
            reserve_at(timedelta(seconds=seconds))
    unchanged = record()
    assert (int(unchanged.attempts), unchanged.window_ends_at) == (MAX_ATTEMPTS_PER_ADDRESS, T0 + WINDOW)


@pytest.mark.usefixtures("window_used_up_at_t0")
@pytest.mark.parametrize("elapsed", [WINDOW, WINDOW + timedelta(seconds=1), timedelta(days=2)])
def test_once_the_window_has_passed_a_reservation_opens_a_new_one(elapsed: timedelta) -> None:
    reserve_at(elapsed)
    reopened = record()
    assert int(reopened.attempts) == 1
    assert reopened.window_ends_at == T0 + elapsed + WINDOW


def test_the_window_starts_at_the_first_attempt_not_the_last(aws: None) -> None:
    for offset in (timedelta(0), timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=14)):
        reserve_at(offset)
    reserve_at(timedelta(minutes=14, seconds=30))
    with pytest.raises(TooManyRequests) as raised:
        reserve_at(timedelta(minutes=14, seconds=30))
    assert raised.value.retry_after_seconds == 30
    reserve_at(WINDOW)
    assert attempts() == 1


@pytest.mark.usefixtures("window_used_up_at_t0")
def test_clearing_removes_the_record_and_frees_the_window() -> None:
    login_attempts_clear(email=EMAIL, client_address=ADDRESS)
    assert_no_record()
    for _ in range(MAX_ATTEMPTS_PER_ADDRESS):
        reserve_at(timedelta(minutes=1))
    with pytest.raises(TooManyRequests):
        reserve_at(timedelta(minutes=1))


def test_clearing_without_a_record_is_harmless(aws: None) -> None:
    login_attempts_clear(email=EMAIL, client_address=ADDRESS)
    assert_no_record()
    reserve_at()
    assert attempts() == 1


@pytest.mark.usefixtures("window_used_up_at_t0")
def test_reservations_are_keyed_by_email() -> None:
    reserve_at(email="other@example.com")
    assert attempts("other@example.com") == 1
    with pytest.raises(TooManyRequests):
        reserve_at()


def test_the_module_uses_the_expiring_table() -> None:
    assert login_attempts.LoginAttemptsRecord.Meta.table_name == EXPIRING_TABLE


# Concurrency

PARALLEL_GUESSES = 10


def parallel_guesses(guesses: int = PARALLEL_GUESSES) -> Counter:
    # Every guess waits until all have arrived, then they go at once: a burst
    # of parallel requests, each reserving its attempt while the others do.
    start = threading.Barrier(guesses, timeout=5)

    def guess(n: int) -> str:
        with contextlib.suppress(threading.BrokenBarrierError):
            start.wait()
        try:
            services.user_authenticate_credentials(email=EMAIL, password=f"wrong guess {n}", client_address=ADDRESS)
        except InvalidCredentials:
            return "judged"
        except TooManyRequests:
            return "throttled"
        return "logged in"

    with ThreadPoolExecutor(max_workers=guesses) as pool:
        return Counter(pool.map(guess, range(guesses)))


def test_parallel_guesses_cannot_exceed_the_limit(aws: None, password_checks: list[str]) -> None:
    services.user_register(email=EMAIL, password=PASSWORD)

    outcomes = parallel_guesses()

    assert set(outcomes) <= {"judged", "throttled"}
    assert sum(outcomes.values()) == PARALLEL_GUESSES
    assert 1 <= outcomes["judged"] <= MAX_ATTEMPTS_PER_ADDRESS
    assert len(password_checks) == outcomes["judged"]
    assert attempts() == outcomes["judged"]


def test_parallel_guesses_after_four_failures_get_at_most_one_check(aws: None, password_checks: list[str]) -> None:
    services.user_register(email=EMAIL, password=PASSWORD)
    for _ in range(MAX_ATTEMPTS_PER_ADDRESS - 1):
        with pytest.raises(InvalidCredentials):
            services.user_authenticate_credentials(email=EMAIL, password=WRONG, client_address=ADDRESS)
    password_checks.clear()

    outcomes = parallel_guesses()

    assert outcomes == {"judged": 1, "throttled": PARALLEL_GUESSES - 1}
    assert len(password_checks) == 1
    assert attempts() == MAX_ATTEMPTS_PER_ADDRESS


# Races under real concurrency, over HTTP on both backends: tests/integration/test_login_concurrency.py


# Whose failures count: the pair, then the email from anywhere


def test_someone_elses_failures_from_their_own_address_do_not_lock_the_owner_out(api: Api) -> None:
    api.register()
    for _ in range(MAX_ATTEMPTS_PER_ADDRESS + 3):
        with contextlib.suppress(InvalidCredentials, TooManyRequests):
            services.user_authenticate_credentials(email=EMAIL, password=WRONG, client_address="203.0.113.9")
    with pytest.raises(TooManyRequests):
        services.user_authenticate_credentials(email=EMAIL, password=PASSWORD, client_address="203.0.113.9")

    assert login(api).status_code == 200


def test_failures_from_many_addresses_lock_the_email_at_its_own_cap(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    api.register()
    monkeypatch.setattr(services, "verify_password", lambda password_hash, password: password == PASSWORD)
    for n in range(MAX_ATTEMPTS_PER_EMAIL):
        with pytest.raises(InvalidCredentials):
            services.user_authenticate_credentials(email=EMAIL, password=WRONG, client_address=f"198.51.100.{n}")

    with pytest.raises(TooManyRequests):
        services.user_authenticate_credentials(email=EMAIL, password=PASSWORD, client_address="192.0.2.1")
    assert_throttled(login(api))
