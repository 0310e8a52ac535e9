"""Login limits under real concurrency: bursts of parallel HTTP logins against
the local stack, on the embedded emulator and on LocalStack (make test runs
both). Every request comes from one address, so the limit per email and
address (five attempts in fifteen minutes) is the one that applies."""

import uuid
from collections import Counter

import requests

from chalicelib.users.login_attempts import MAX_ATTEMPTS_PER_ADDRESS
from tests.integration.conftest import LocalStack
from tests.support.accounts import PASSWORD
from tests.support.concurrency import at_once

BURST = 12
# What a login may answer: its token, wrong credentials, throttled, or busy (contention; retry).
LOGIN_ANSWERS = {200, 401, 429, 503}


def _account(local_stack: LocalStack) -> str:
    email = f"burst-{uuid.uuid4().hex[:12]}@example.com"
    local_stack.register(email)
    return email


def _login(local_stack: LocalStack, email: str, password: str) -> requests.Response:
    return requests.post(local_stack.url("/api/users/login/"), json={"email": email, "password": password}, timeout=60)


def _statuses(responses: list[requests.Response]) -> Counter:
    statuses = Counter(response.status_code for response in responses)
    assert set(statuses) <= LOGIN_ANSWERS, [response.text for response in responses]
    for response in responses:
        if response.status_code in {429, 503}:
            assert int(response.headers["Retry-After"]) >= 1
    return statuses


def test_a_burst_of_wrong_guesses_gets_at_most_five_password_checks(local_stack: LocalStack) -> None:
    email = _account(local_stack)

    statuses = _statuses(at_once(lambda n: _login(local_stack, email, f"wrong guess {n}"), BURST))

    assert statuses[200] == 0
    # Each 401 is a counted attempt whose password was checked; the rest were refused unchecked.
    assert 1 <= statuses[401] <= MAX_ATTEMPTS_PER_ADDRESS
    window_full = statuses[401] == MAX_ATTEMPTS_PER_ADDRESS
    assert _login(local_stack, email, PASSWORD).status_code == (429 if window_full else 200)


def test_a_burst_after_four_failures_gets_one_password_check(local_stack: LocalStack) -> None:
    email = _account(local_stack)
    for n in range(MAX_ATTEMPTS_PER_ADDRESS - 1):
        assert _login(local_stack, email, f"wrong {n}").status_code == 401

    statuses = _statuses(at_once(lambda n: _login(local_stack, email, f"wrong guess {n}"), BURST))

    assert statuses[401] == 1
    assert statuses[429] + statuses[503] == BURST - 1
    assert _login(local_stack, email, PASSWORD).status_code == 429


def test_right_passwords_racing_wrong_ones_are_answered_within_the_contract(local_stack: LocalStack) -> None:
    # A success clears the count while other attempts open, count in and read
    # the same window: whatever the order, each login gets a lawful answer.
    email = _account(local_stack)
    for _ in range(3):
        responses = at_once(lambda n: _login(local_stack, email, PASSWORD if n % 2 else f"wrong {n}"), BURST)
        _statuses(responses)
        right, wrong = responses[1::2], responses[::2]
        assert {response.status_code for response in right} <= {200, 429, 503}
        assert {response.status_code for response in wrong} <= {401, 429, 503}
        assert all(response.json()["token"] for response in right if response.status_code == 200)
