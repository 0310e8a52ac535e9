import json
import time
import uuid

import pytest
from chalice.test import HTTPResponse

from chalicelib.tables import TABLES
from tests.unit.conftest import Api

CREATE = "/api/orders/create/"
LIST = "/api/orders/"
MAX_JSON_SAFE_INTEGER = 2**53 - 1
AUTH_CHALLENGE = 'Token realm="api"'
MISSING = object()


@pytest.fixture
def other_token(api: Api) -> str:
    return api.register(email="someone.else@example.com")


def order_body(**overrides: object) -> dict:
    body = {
        "customer_name": "John Doe",
        "customer_phone": "+1234567890",
        "tickets": [{"product_codes": ["PROD-1"]}],
        **overrides,
    }
    return {key: value for key, value in body.items() if value is not MISSING}


def tickets_with_codes(*product_codes: object) -> list[dict]:
    return [{"product_codes": [code]} for code in product_codes]


def listed_order_ids(api: Api, token: str, query: str = "") -> list[int]:
    response = api.get(f"{LIST}{query}", token=token)
    assert response.status_code == 200, response.json_body
    return [order["order_id"] for order in response.json_body["results"]]


def assert_drf_field_errors(body: object) -> None:
    assert isinstance(body, dict)
    assert body
    for field, messages in body.items():
        assert isinstance(field, str)
        assert isinstance(messages, list)
        assert messages
        assert all(isinstance(message, str) and message for message in messages)


def update_status(
    api: Api, code: str, status: str, path: str = "/api/orders/tickets/{code}/update-status/"
) -> HTTPResponse:
    return api.post(path.format(code=code), {"status": status})


def create(api: Api, token: str, body: dict) -> dict:
    response = api.post(CREATE, body, token=token)
    assert response.status_code == 201, response.json_body
    return response.json_body


def is_uuid4(value: str) -> bool:
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return False
    return parsed.version == 4 and str(parsed) == value


def flip_character(text: str, index: int) -> str:
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1 :]


# --- create --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/orders/create/", "/api/orders/create"])
def test_create_order_answers_201_with_a_pending_order_and_new_tickets(api: Api, token: str, path: str) -> None:
    body = order_body(tickets=[{"product_codes": ["A-1", "A-2"]}, {"product_codes": ["B-1"]}])

    response = api.post(path, body, token=token)

    assert response.status_code == 201, response.json_body
    order = response.json_body
    assert type(order["order_id"]) is int
    assert 0 < order["order_id"] <= MAX_JSON_SAFE_INTEGER
    assert order["status"] == "PENDING"
    assert order["customer_name"] == "John Doe"
    assert order["customer_phone"] == "+1234567890"
    assert order["comment"] == ""
    assert order["ticket_count"] == 2
    assert [ticket["product_codes"] for ticket in order["tickets"]] == [["A-1", "A-2"], ["B-1"]]
    assert all(ticket["status"] == "NEW" for ticket in order["tickets"])
    assert all(is_uuid4(ticket["code"]) for ticket in order["tickets"])
    assert len({ticket["code"] for ticket in order["tickets"]}) == 2


def test_create_order_trims_surrounding_whitespace_as_drf_does(api: Api, token: str) -> None:
    body = order_body(
        customer_name="  Jane Roe  ", customer_phone=" 12345 ", comment="  hi  ", tickets=tickets_with_codes(" P-1 ")
    )

    order = create(api, token, body)

    assert (order["customer_name"], order["customer_phone"], order["comment"]) == ("Jane Roe", "12345", "hi")
    assert order["tickets"][0]["product_codes"] == ["P-1"]


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"customer_name": "n" * 255}, id="name-255-chars"),
        pytest.param({"customer_phone": "+1 (234) 567-890"}, id="phone-with-punctuation"),
        pytest.param({"customer_phone": "12345"}, id="phone-5-digits"),
        pytest.param({"customer_phone": "1" * 20}, id="phone-20-chars"),
        pytest.param({"comment": "c" * 2000}, id="comment-2000-chars"),
        pytest.param({"tickets": tickets_with_codes(*(f"P-{n}" for n in range(99)))}, id="99-tickets"),
        pytest.param({"tickets": [{"product_codes": ["P" * 64] * 100}]}, id="100-codes-of-64-chars"),
    ],
)
def test_create_order_accepts_values_at_the_limits(api: Api, token: str, overrides: dict) -> None:
    body = order_body(**overrides)

    response = api.post(CREATE, body, token=token)

    assert response.status_code == 201, response.json_body
    order = response.json_body
    for field in ("customer_name", "customer_phone"):
        assert order[field] == body[field]
    assert order["comment"] == body.get("comment", "")
    assert [ticket["product_codes"] for ticket in order["tickets"]] == [t["product_codes"] for t in body["tickets"]]
    assert listed_order_ids(api, token) == [order["order_id"]]


INVALID_ORDERS = [
    pytest.param(order_body(customer_name=MISSING), "customer_name", "This field is required.", id="name-missing"),
    pytest.param(order_body(customer_name=""), "customer_name", "This field may not be blank.", id="name-empty"),
    pytest.param(order_body(customer_name="   "), "customer_name", "This field may not be blank.", id="name-blank"),
    pytest.param(
        order_body(customer_name="n" * 256),
        "customer_name",
        "Ensure this field has no more than 255 characters.",
        id="name-256-chars",
    ),
    pytest.param(order_body(customer_name=123), "customer_name", "Not a valid string.", id="name-not-a-string"),
    pytest.param(order_body(customer_phone=MISSING), "customer_phone", "This field is required.", id="phone-missing"),
    pytest.param(
        order_body(customer_phone="1" * 21),
        "customer_phone",
        "Ensure this field has no more than 20 characters.",
        id="phone-21-chars",
    ),
    pytest.param(order_body(customer_phone="12345abc"), "customer_phone", None, id="phone-letters"),
    pytest.param(order_body(customer_phone="+1-2"), "customer_phone", None, id="phone-2-digits"),
    pytest.param(order_body(customer_phone="1234"), "customer_phone", None, id="phone-4-digits"),
    pytest.param(
        order_body(comment="c" * 2001),
        "comment",
        "Ensure this field has no more than 2000 characters.",
        id="comment-2001-chars",
    ),
    pytest.param(order_body(tickets=MISSING), "tickets", "This field is required.", id="tickets-missing"),
    pytest.param(order_body(tickets=[]), "tickets", "This list may not be empty.", id="tickets-empty"),
    pytest.param(
        order_body(tickets=tickets_with_codes(*(f"P-{n}" for n in range(100)))),
        "tickets",
        "Ensure this field has no more than 99 elements.",
        id="100-tickets",
    ),
    pytest.param(order_body(tickets="PROD-1"), "tickets", None, id="tickets-a-string"),
    pytest.param(order_body(tickets={"product_codes": ["P"]}), "tickets", None, id="tickets-an-object"),
    pytest.param(order_body(tickets=["PROD-1"]), "tickets.0", None, id="ticket-not-an-object"),
    pytest.param(
        order_body(tickets=[{}]), "tickets.0.product_codes", "This field is required.", id="ticket-without-codes"
    ),
    pytest.param(
        order_body(tickets=[{"product_codes": []}]),
        "tickets.0.product_codes",
        "This list may not be empty.",
        id="ticket-with-0-codes",
    ),
    pytest.param(
        order_body(tickets=[{"product_codes": [f"P-{n}" for n in range(101)]}]),
        "tickets.0.product_codes",
        "Ensure this field has no more than 100 elements.",
        id="ticket-with-101-codes",
    ),
    pytest.param(
        order_body(tickets=[{"product_codes": "PROD-1"}]), "tickets.0.product_codes", None, id="codes-a-string"
    ),
    pytest.param(
        order_body(tickets=tickets_with_codes("  ")),
        "tickets.0.product_codes.0",
        "This field may not be blank.",
        id="blank-code",
    ),
    pytest.param(
        order_body(tickets=tickets_with_codes("P" * 65)),
        "tickets.0.product_codes.0",
        "Ensure this field has no more than 64 characters.",
        id="code-65-chars",
    ),
    pytest.param(
        order_body(tickets=tickets_with_codes(123)),
        "tickets.0.product_codes.0",
        "Not a valid string.",
        id="code-not-a-string",
    ),
    pytest.param(
        order_body(tickets=[{"product_codes": ["OK-1"]}, {"product_codes": ["OK-2", None]}]),
        "tickets.1.product_codes.1",
        None,
        id="second-ticket-second-code-null",
    ),
]


@pytest.mark.parametrize(("body", "field", "message"), INVALID_ORDERS)
def test_create_order_rejects_invalid_fields_with_drf_errors(
    api: Api, token: str, body: dict, field: str, message: str | None
) -> None:
    response = api.post(CREATE, body, token=token)

    assert response.status_code == 400, response.json_body
    assert_drf_field_errors(response.json_body)
    assert field in response.json_body, response.json_body
    if message is not None:
        assert response.json_body[field] == [message]
    assert listed_order_ids(api, token) == []


def test_create_order_reports_every_invalid_field_at_once(api: Api, token: str) -> None:
    body = {"customer_name": "", "customer_phone": "abc", "tickets": []}

    response = api.post(CREATE, body, token=token)

    assert response.status_code == 400
    assert set(response.json_body) == {"customer_name", "customer_phone", "tickets"}


@pytest.mark.parametrize(
    ("raw_body", "status", "error_key"),
    [
        pytest.param(json.dumps([order_body()]), 400, "non_field_errors", id="json-list"),
        pytest.param("null", 400, "non_field_errors", id="json-null"),
        pytest.param('"an order"', 400, "non_field_errors", id="json-string"),
        pytest.param('{"customer_name": "John"', 400, "detail", id="truncated-json"),
        pytest.param("{not json}", 400, "detail", id="not-json"),
        pytest.param(b"\xff\xfe{}", 400, "detail", id="not-utf8"),
        pytest.param(json.dumps(order_body(comment="c" * (64 * 1024))), 413, "detail", id="body-over-64KiB"),
    ],
)
def test_create_order_rejects_unusable_bodies_without_a_server_error(
    api: Api, token: str, raw_body: str | bytes, status: int, error_key: str
) -> None:
    response = api.post(CREATE, raw_body, token=token)

    assert response.status_code == status, response.json_body
    assert list(response.json_body) == [error_key]
    assert listed_order_ids(api, token) == []


def test_create_order_rejects_deeply_nested_json_as_malformed(api: Api, token: str) -> None:
    nested = '{"customer_name": ' + "[" * 5000 + "]" * 5000 + "}"

    response = api.post(CREATE, nested, token=token)

    assert response.status_code == 400


def test_create_order_with_a_form_body_reports_missing_tickets(api: Api, token: str) -> None:
    response = api.post(
        CREATE,
        "customer_name=John&customer_phone=12345",
        token=token,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 400
    assert response.json_body == {"tickets": ["This field is required."]}


# --- authentication ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-header"),
        pytest.param({"Authorization": ""}, id="empty-header"),
        pytest.param({"Authorization": "Token not-a-jwt"}, id="token-garbage"),
        pytest.param({"Authorization": "Bearer not-a-jwt"}, id="bearer-garbage"),
        pytest.param({"Authorization": "Token"}, id="scheme-only"),
        pytest.param({"Authorization": "Token a b"}, id="too-many-parts"),
        pytest.param({"Authorization": "Basic dXNlcjpwYXNz"}, id="basic-scheme"),
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", CREATE), ("GET", LIST), ("GET", "/api/orders/123/")],
)
def test_orders_endpoints_answer_401_with_a_token_challenge(api: Api, headers: dict, method: str, path: str) -> None:
    response = api.post(path, order_body(), headers=headers) if method == "POST" else api.get(path, headers=headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == AUTH_CHALLENGE
    assert list(response.json_body) == ["detail"]


# --- detail --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/orders/{id}/", "/api/orders/{id}"])
def test_order_detail_returns_the_order_as_created(api: Api, token: str, path: str) -> None:
    created = api.create_order(token, tickets=3, comment="ring twice")

    response = api.get(path.format(id=created["order_id"]), token=token)

    assert response.status_code == 200
    assert response.json_body == created


def test_order_detail_lists_tickets_in_the_order_sent(api: Api, token: str) -> None:
    sent = [f"SKU-{letter}" for letter in "QWERTYUIOPASDFG"]
    created = create(api, token, order_body(tickets=tickets_with_codes(*sent)))

    detail = api.order_detail(token, created["order_id"])

    assert [ticket["product_codes"] for ticket in detail["tickets"]] == [[code] for code in sent]
    assert [ticket["code"] for ticket in detail["tickets"]] == [ticket["code"] for ticket in created["tickets"]]


def test_order_detail_hides_someone_elses_order(api: Api, token: str, other_token: str) -> None:
    created = api.create_order(other_token)

    response = api.get(f"/api/orders/{created['order_id']}/", token=token)

    assert response.status_code == 404
    assert list(response.json_body) == ["detail"]


@pytest.mark.parametrize(
    "order_id",
    ["1", "0", "9007199254740991", "99999999999999999999999999", "abc", "-1", "1.5", "1e3", "0x10"],
)
def test_order_detail_answers_404_for_unknown_or_malformed_ids(api: Api, token: str, order_id: str) -> None:
    api.create_order(token)

    response = api.get(f"/api/orders/{order_id}/", token=token)

    assert response.status_code == 404
    assert list(response.json_body) == ["detail"]


def test_order_detail_answers_404_for_a_superscript_digit_id(api: Api, token: str) -> None:
    response = api.get("/api/orders/²/", token=token)

    assert response.status_code == 404


# --- list ----------------------------------------------------------------------------------------


def test_order_list_shows_only_the_callers_orders(api: Api, token: str, other_token: str) -> None:
    mine = {api.create_order(token)["order_id"] for _ in range(2)}
    theirs = api.create_order(other_token)["order_id"]

    assert set(listed_order_ids(api, token)) == mine
    assert listed_order_ids(api, other_token) == [theirs]


def test_order_list_is_newest_first(api: Api, token: str) -> None:
    created = []
    for _ in range(3):
        created.append(api.create_order(token)["order_id"])
        time.sleep(0.002)

    assert listed_order_ids(api, token) == created[::-1]


def test_order_list_summarizes_each_order(api: Api, token: str) -> None:
    created = api.create_order(token, tickets=3, comment="note")

    summary = api.get(LIST, token=token).json_body["results"][0]

    assert summary == {key: value for key, value in created.items() if key != "tickets"}


def test_order_list_is_empty_for_a_new_user(api: Api, token: str) -> None:
    response = api.get(LIST, token=token)

    assert response.status_code == 200
    assert response.json_body == {"results": [], "next_cursor": None}


def test_order_list_pages_20_orders_by_default(api: Api, token: str) -> None:
    for _ in range(21):
        api.create_order(token)

    page = api.get(LIST, token=token).json_body

    assert len(page["results"]) == 20
    assert isinstance(page["next_cursor"], str)


def test_order_list_has_no_next_cursor_when_the_page_is_exactly_full(api: Api, token: str) -> None:
    for _ in range(3):
        api.create_order(token)

    page = api.get(f"{LIST}?limit=3", token=token).json_body

    assert len(page["results"]) == 3
    assert page["next_cursor"] is None


@pytest.mark.parametrize("limit", ["1", "100"])
def test_order_list_accepts_limits_from_1_to_100(api: Api, token: str, limit: str) -> None:
    api.create_order(token)

    response = api.get(f"{LIST}?limit={limit}", token=token)

    assert response.status_code == 200
    assert len(response.json_body["results"]) == 1


@pytest.mark.parametrize("limit", ["101", "0", "-1", "abc", "", "1.5"])
def test_order_list_rejects_limits_outside_1_to_100(api: Api, token: str, limit: str) -> None:
    response = api.get(f"{LIST}?limit={limit}", token=token)

    assert response.status_code == 400
    assert_drf_field_errors(response.json_body)
    assert list(response.json_body) == ["limit"]


def test_order_list_cursor_walks_every_order_once(api: Api, token: str) -> None:
    created = {api.create_order(token)["order_id"] for _ in range(45)}
    pages = []
    query = "?limit=20"
    while True:
        page = api.get(f"{LIST}{query}", token=token).json_body
        pages.append(page)
        if page["next_cursor"] is None or len(pages) > 3:
            break
        query = f"?limit=20&cursor={page['next_cursor']}"

    walked = [order["order_id"] for page in pages for order in page["results"]]
    assert [len(page["results"]) for page in pages] == [20, 20, 5]
    assert walked == sorted(created, reverse=True)
    assert pages[-1]["next_cursor"] is None


def first_page_cursor(api: Api, token: str) -> str:
    api.create_order(token)
    api.create_order(token)
    cursor = api.get(f"{LIST}?limit=1", token=token).json_body["next_cursor"]
    assert isinstance(cursor, str)
    return cursor


@pytest.mark.parametrize("where", [0.1, 0.5, 0.9], ids=["start", "middle", "end"])
def test_order_list_rejects_a_tampered_cursor(api: Api, token: str, where: float) -> None:
    cursor = first_page_cursor(api, token)
    tampered = flip_character(cursor, int(len(cursor) * where))

    response = api.get(f"{LIST}?cursor={tampered}", token=token)

    assert response.status_code == 400
    assert list(response.json_body) == ["cursor"]


@pytest.mark.parametrize("cursor", ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.eyJvIjoxLCJ1IjoieCJ9."])
def test_order_list_rejects_a_made_up_cursor(api: Api, token: str, cursor: str) -> None:
    response = api.get(f"{LIST}?cursor={cursor}", token=token)

    assert response.status_code == 400
    assert list(response.json_body) == ["cursor"]


def test_order_list_treats_an_empty_cursor_as_the_first_page(api: Api, token: str) -> None:
    order_id = api.create_order(token)["order_id"]

    assert listed_order_ids(api, token, "?cursor=") == [order_id]


def test_order_list_rejects_another_users_cursor(api: Api, token: str, other_token: str) -> None:
    cursor = first_page_cursor(api, other_token)
    api.create_order(token)

    response = api.get(f"{LIST}?cursor={cursor}", token=token)

    assert response.status_code == 400
    assert list(response.json_body) == ["cursor"]


# --- ticket status -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/api/orders/tickets/{code}/update-status/", "/api/orders/tickets/{code}/update-status"],
)
def test_update_status_changes_the_ticket_without_a_token(api: Api, token: str, path: str) -> None:
    order = api.create_order(token, tickets=2)
    code = order["tickets"][0]["code"]

    response = update_status(api, code, "IN_PROGRESS", path)

    assert response.status_code == 200
    assert response.json_body == {"code": code, "status": "IN_PROGRESS", "outcome": "applied"}
    statuses = [ticket["status"] for ticket in api.order_detail(token, order["order_id"])["tickets"]]
    assert statuses == ["IN_PROGRESS", "NEW"]


def test_update_status_moves_the_order_status_with_its_tickets(api: Api, token: str) -> None:
    order = api.create_order(token, tickets=3)
    codes = [ticket["code"] for ticket in order["tickets"]]

    def order_status() -> str:
        return api.order_detail(token, order["order_id"])["status"]

    assert order_status() == "PENDING"
    assert update_status(api, codes[0], "IN_PROGRESS").status_code == 200
    assert order_status() == "PROCESSING"
    for code in codes:
        assert update_status(api, code, "DONE").status_code == 200
    assert order_status() == "COMPLETED"
    assert update_status(api, codes[1], "NEW").status_code == 200
    assert order_status() == "PROCESSING"
    assert listed_order_ids(api, token) == [order["order_id"]]
    assert api.get(LIST, token=token).json_body["results"][0]["status"] == "PROCESSING"


def test_update_status_back_to_new_everywhere_returns_the_order_to_pending(api: Api, token: str) -> None:
    order = api.create_order(token, tickets=2)
    codes = [ticket["code"] for ticket in order["tickets"]]
    for status in ("DONE", "NEW"):
        for code in codes:
            assert update_status(api, code, status).status_code == 200

    assert api.order_detail(token, order["order_id"])["status"] == "PENDING"


def test_update_status_to_error_keeps_the_order_processing(api: Api, token: str) -> None:
    order = api.create_order(token, tickets=2)
    for ticket, status in zip(order["tickets"], ("DONE", "ERROR"), strict=True):
        assert update_status(api, ticket["code"], status).status_code == 200

    assert api.order_detail(token, order["order_id"])["status"] == "PROCESSING"


def test_repeating_the_same_status_counts_the_ticket_once(api: Api, token: str) -> None:
    order = api.create_order(token, tickets=2)
    first, second = (ticket["code"] for ticket in order["tickets"])

    for outcome in ("applied", "unchanged"):
        response = update_status(api, first, "DONE")
        assert response.status_code == 200
        assert response.json_body == {"code": first, "status": "DONE", "outcome": outcome}
    assert api.order_detail(token, order["order_id"])["status"] == "PROCESSING"

    update_status(api, second, "DONE")
    assert api.order_detail(token, order["order_id"])["status"] == "COMPLETED"


@pytest.mark.parametrize("code", [str(uuid.uuid4()), "not-a-uuid", "123"])
def test_update_status_answers_404_for_an_unknown_ticket(api: Api, token: str, code: str) -> None:
    api.create_order(token)

    response = update_status(api, code, "DONE")

    assert response.status_code == 404
    assert list(response.json_body) == ["detail"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({"status": "FOO"}, '"FOO" is not a valid choice.', id="unknown-status"),
        pytest.param({"status": "done"}, '"done" is not a valid choice.', id="lower-case-status"),
        pytest.param({}, "This field is required.", id="missing-status"),
    ],
)
def test_update_status_rejects_an_invalid_status(api: Api, token: str, body: dict, message: str) -> None:
    order = api.create_order(token)
    code = order["tickets"][0]["code"]

    response = api.post(f"/api/orders/tickets/{code}/update-status/", body)

    assert response.status_code == 400
    assert response.json_body == {"status": [message]}
    assert api.order_detail(token, order["order_id"])["tickets"][0]["status"] == "NEW"


# --- health --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/health/", "/api/health"])
def test_health_reports_ok_with_active_tables(api: Api, path: str) -> None:
    response = api.get(path)

    assert response.status_code == 200
    assert response.json_body == {"status": "ok", "tables": dict.fromkeys(TABLES, "ACTIVE")}
