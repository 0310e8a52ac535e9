"""Idempotency-Key on POST /api/orders/create/: one order per user and key,
the first answer replayed, whatever the retries, the concurrency, and the
step after which a process died (faults injected after DynamoDB committed)."""

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from botocore.exceptions import ReadTimeoutError

from chalicelib import idempotency
from chalicelib.errors import RequestInProgress
from chalicelib.orders.services import order_create_once
from chalicelib.users.models import UserRecord
from tests.support.faults import Fault, ProcessDied, faults
from tests.unit.conftest import Api

CREATE = "/api/orders/create/"
ORDER = {"customer_name": "John Doe", "customer_phone": "+1234567890", "tickets": [{"product_codes": ["PROD-A1"]}]}
KEY = "order-2026-12-02-0001"
CONCURRENT = 20


def create(api: Api, token: str, key: str | None, body: object = ORDER):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return api.post(CREATE, body, token=token, headers=headers)


def order_ids(api: Api, token: str) -> list[int]:
    response = api.get("/api/orders/?limit=100", token=token)
    assert response.status_code == 200
    return [order["order_id"] for order in response.json_body["results"]]


def replayed(response: object) -> str | None:
    return response.headers.get("Idempotent-Replayed")  # type: ignore[attr-defined]


def test_the_same_key_and_body_answers_the_first_response_and_makes_one_order(api: Api, token: str) -> None:
    first = create(api, token, KEY)
    again = create(api, token, KEY)

    assert (first.status_code, again.status_code) == (201, 201)
    assert replayed(first) is None
    assert replayed(again) == "true"
    assert again.json_body == first.json_body
    assert order_ids(api, token) == [first.json_body["order_id"]]


def test_the_same_request_is_the_same_validated_body_not_the_same_bytes(api: Api, token: str) -> None:
    first = create(api, token, KEY)
    reordered = json.dumps({**dict(reversed(list(ORDER.items()))), "comment": ""}, indent=4)

    again = create(api, token, KEY, reordered)

    assert (again.status_code, replayed(again)) == (201, "true")
    assert again.json_body["order_id"] == first.json_body["order_id"]


def test_the_same_key_with_another_body_is_422_and_makes_nothing(api: Api, token: str) -> None:
    first = create(api, token, KEY)
    other = create(api, token, KEY, {**ORDER, "customer_name": "Jane Doe"})

    assert other.status_code == 422
    assert "Idempotency-Key" in other.json_body["detail"]
    assert order_ids(api, token) == [first.json_body["order_id"]]


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\there", "new\nline"], ids=repr)
def test_a_key_that_is_not_1_to_255_printable_ascii_characters_is_400(api: Api, token: str, key: str) -> None:
    response = create(api, token, key)

    assert response.status_code == 400
    assert list(response.json_body) == ["Idempotency-Key"]
    assert order_ids(api, token) == []


def test_the_longest_key_and_spaces_are_accepted(api: Api, token: str) -> None:
    assert create(api, token, "k" * 255).status_code == 201
    assert create(api, token, "a key with spaces ~!").status_code == 201


def test_a_key_belongs_to_its_user(api: Api, token: str) -> None:
    other = api.register(email="other@example.com")

    mine, theirs = create(api, token, KEY), create(api, other, KEY)

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert replayed(theirs) is None
    assert mine.json_body["order_id"] != theirs.json_body["order_id"]


def test_without_the_header_each_request_makes_an_order(api: Api, token: str) -> None:
    first, second = create(api, token, None), create(api, token, None)

    assert first.json_body["order_id"] != second.json_body["order_id"]
    assert len(order_ids(api, token)) == 2


def test_a_request_refused_by_validation_leaves_the_key_free(api: Api, token: str) -> None:
    refused = create(api, token, KEY, {**ORDER, "tickets": []})
    accepted = create(api, token, KEY, {**ORDER, "customer_name": "Someone Else"})

    assert refused.status_code == 400
    assert (accepted.status_code, replayed(accepted)) == (201, None)


def test_a_request_without_the_permission_leaves_the_key_free(api: Api, token: str) -> None:
    UserRecord.get("buyer@example.com").update(actions=[UserRecord.permissions.remove()])
    assert create(api, token, KEY).status_code == 403
    assert order_ids(api, token) == []


def test_a_99_ticket_order_keeps_its_key_outside_the_100_item_transaction(api: Api, token: str) -> None:
    body = {**ORDER, "tickets": [{"product_codes": [f"P-{n}"]} for n in range(99)]}

    first, again = create(api, token, KEY, body), create(api, token, KEY, body)

    assert (first.status_code, again.status_code, replayed(again)) == (201, 201, "true")
    assert len(first.json_body["tickets"]) == 99
    assert again.json_body == first.json_body


def test_a_key_still_being_processed_answers_409_with_retry_after(api: Api, token: str) -> None:
    # The first request took the key, then its process died: its lease still runs.
    with (
        faults(Fault("dynamodb", "PutItem", "", "killed", times=1, after_send=ProcessDied)),
        pytest.raises(ProcessDied),
    ):
        create(api, token, KEY)

    busy = create(api, token, KEY)

    assert busy.status_code == 409
    assert 1 <= int(busy.headers["Retry-After"]) <= idempotency.LEASE.total_seconds()
    assert order_ids(api, token) == []


# Each write of a creation with a key: taking the key, the order's transaction, marking it done.
STEPS = ["PutItem", "TransactWriteItems", "UpdateItem"]


@pytest.mark.parametrize("step", STEPS)
def test_a_process_that_dies_after_any_step_leaves_one_order(
    api: Api, token: str, step: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The lease of the dead request has run out by the time its client retries.
    monkeypatch.setattr(idempotency, "LEASE", timedelta(0))
    died = Fault("dynamodb", step, "", "killed after the call committed", times=1, after_send=ProcessDied)
    with faults(died), pytest.raises(ProcessDied):
        create(api, token, KEY)
    assert died.sent == 1

    retry, again = create(api, token, KEY), create(api, token, KEY)

    assert (retry.status_code, again.status_code) == (201, 201)
    assert retry.json_body == again.json_body
    assert order_ids(api, token) == [retry.json_body["order_id"]]


def test_an_answer_lost_after_the_order_committed_is_503_and_its_retry_finds_the_order(api: Api, token: str) -> None:
    def lost() -> BaseException:
        return ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com/")

    with faults(Fault("dynamodb", "TransactWriteItems", "", "lost", times=1, after_send=lost)):
        failed = create(api, token, KEY)
    retry = create(api, token, KEY)

    assert failed.status_code == 503
    assert (retry.status_code, replayed(retry)) == (201, "true")
    assert order_ids(api, token) == [retry.json_body["order_id"]]


def test_twenty_concurrent_requests_with_one_key_make_one_order(api: Api, token: str) -> None:
    owner = UserRecord.get("buyer@example.com").user_id
    asked = {"customer_name": "John Doe", "customer_phone": "+1234567890", "comment": "", "tickets": [["PROD-A1"]]}

    def send(_: int) -> int | str:
        try:
            details, _replayed = order_create_once(idempotency_key=KEY, owner_id=owner, **asked)
        except RequestInProgress:
            return "in progress"
        return int(details.order.order_id)

    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        outcomes = list(pool.map(send, range(CONCURRENT)))

    made = order_ids(api, token)
    assert len(made) == 1
    assert {outcome for outcome in outcomes if outcome != "in progress"} == set(made)


def test_the_openapi_document_describes_the_header_and_its_answers(api: Api) -> None:
    operation = api.get("/api/openapi.json").json_body["paths"]["/api/orders/create/"]["post"]
    (header,) = [p for p in operation["parameters"] if p["in"] == "header"]
    assert (header["name"], header["required"]) == ("Idempotency-Key", False)
    assert {"409", "422"} <= set(operation["responses"])
    assert "Retry-After" in operation["responses"]["409"]["headers"]
