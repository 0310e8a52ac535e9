"""The admin's orders: listing, filters, search and detail, and dates at the edges of the id range."""

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from pynamodb.exceptions import QueryError

from chalicelib.admin import selectors
from chalicelib.orders import services as order_services
from chalicelib.orders.domain import OrderStatus, new_order_id
from chalicelib.orders.models import OrderRecord, month_of
from chalicelib.orders.stored_status import stored_status_actions, stored_status_sync
from tests.support.aws_calls import recorded_dynamodb_calls
from tests.unit.admin.conftest import (
    INVALID_CURSOR,
    NO_ORDER,
    Account,
    Shop,
    admin_ids,
    change_ticket,
    create_order,
    flip_character,
    make_account,
    months_since_first,
    query,
    stored_order,
    walk,
)
from tests.unit.conftest import Api


@pytest.fixture
def created_at(monkeypatch: pytest.MonkeyPatch) -> Callable[..., dict]:
    """Create an order as if at another moment (the id and month follow the clock)."""

    def create(api: Api, owner: Account, moment: datetime, **fields: object) -> dict:
        class Clock(datetime):
            @classmethod
            def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
                return moment

        with monkeypatch.context() as patched:
            patched.setattr(order_services, "datetime", Clock)
            patched.setattr(
                order_services,
                "_draw_order_id",
                lambda: new_order_id(now_ms=int(moment.timestamp() * 1000), random_bits=secrets.randbits(12)),
            )
            return create_order(api, owner, **fields)

    return create


def test_order_list_is_newest_first_across_users(api: Api, root: Account, shop: Shop) -> None:
    first = create_order(api, shop.alice)["order_id"]
    second = create_order(api, shop.bob)["order_id"]
    third = create_order(api, shop.alice)["order_id"]

    response = api.get("/api/admin/orders", token=root.token)

    assert response.status_code == 200
    assert response.json_body["next_cursor"] is None
    results = response.json_body["results"]
    assert [order["order_id"] for order in results] == [third, second, first]
    assert [order["owner_id"] for order in results] == [shop.alice.user_id, shop.bob.user_id, shop.alice.user_id]


def test_order_list_entries_are_the_public_summaries_with_the_owner(api: Api, root: Account, shop: Shop) -> None:
    create_order(api, shop.alice, tickets=3, comment="ring first")
    public = api.get("/api/orders/", token=shop.alice.token).json_body["results"]
    admin = api.get("/api/admin/orders", token=root.token).json_body["results"]
    assert admin == [{**summary, "owner_id": shop.alice.user_id} for summary in public]


def test_order_list_is_empty_without_orders(api: Api, root: Account) -> None:
    assert api.get("/api/admin/orders", token=root.token).json_body == {"results": [], "next_cursor": None}


def test_order_list_pages_walk_every_order_once_newest_first(api: Api, root: Account, shop: Shop) -> None:
    ids = [create_order(api, owner)["order_id"] for owner in (shop.alice, shop.bob) * 3]
    pages = walk(api, root.token, "/api/admin/orders", limit=4)
    assert [[order["order_id"] for order in page] for page in pages] == [ids[::-1][:4], ids[::-1][4:]]


@pytest.fixture
def statuses(api: Api, root: Account, shop: Shop) -> dict[str, int]:
    """One order in each status, created in this order: PENDING, COMPLETED, PROCESSING, CANCELLED."""
    pending = create_order(api, shop.alice)
    completed = create_order(api, shop.bob)
    processing = create_order(api, shop.alice, tickets=2)
    cancelled = create_order(api, shop.bob)
    for code, status in ((completed["tickets"][0]["code"], "DONE"), (processing["tickets"][1]["code"], "IN_PROGRESS")):
        assert api.post(f"/api/admin/tickets/{code}/status", {"status": status}, token=root.token).status_code == 200
    assert api.post(f"/api/orders/{cancelled['order_id']}/cancel/", token=shop.bob.token).status_code == 200
    return {
        "PENDING": pending["order_id"],
        "COMPLETED": completed["order_id"],
        "PROCESSING": processing["order_id"],
        "CANCELLED": cancelled["order_id"],
    }


def test_the_status_index_is_current_after_each_change_without_the_stream_handler(
    api: Api, root: Account, statuses: dict[str, int]
) -> None:
    # Ticket changes write the stored status in their own transaction; no stream handler has run here.
    for status, order_id in statuses.items():
        assert admin_ids(api, root.token, status=status) == [order_id]
        assert stored_order(order_id).status == status


def test_the_stream_handlers_sync_writes_only_when_the_copy_is_behind(root: Account, statuses: dict[str, int]) -> None:
    for order_id in statuses.values():
        assert stored_status_sync(order=stored_order(order_id)) is False
    # As two changes of one order's tickets racing can leave it: the copy a step behind.
    behind = stored_order(statuses["COMPLETED"])
    behind.update(actions=stored_status_actions(OrderStatus.PROCESSING, behind.created_month))
    assert stored_status_sync(order=stored_order(statuses["COMPLETED"])) is True
    assert stored_order(statuses["COMPLETED"]).status == "COMPLETED"


def test_order_list_filters_by_status(api: Api, root: Account, statuses: dict[str, int]) -> None:
    for status, order_id in statuses.items():
        response = api.get(query("/api/admin/orders", status=status), token=root.token)
        assert response.status_code == 200
        assert [(order["order_id"], order["status"]) for order in response.json_body["results"]] == [(order_id, status)]
    assert admin_ids(api, root.token) == sorted(statuses.values(), reverse=True)


def test_status_filter_pages_newest_first(api: Api, root: Account, shop: Shop) -> None:
    ids = [create_order(api, shop.alice)["order_id"] for _ in range(5)]
    pages = walk(api, root.token, "/api/admin/orders", status="PENDING", limit=2)
    assert [[order["order_id"] for order in page] for page in pages] == [ids[:2:-1], ids[2:0:-1], ids[:1]]


@pytest.mark.parametrize("status", ["DONEISH", "pending", "NEW"])
def test_order_list_rejects_an_unknown_status(api: Api, root: Account, status: str) -> None:
    response = api.get(query("/api/admin/orders", status=status), token=root.token)
    assert response.status_code == 400
    assert response.json_body == {"status": [f'"{status}" is not a valid choice.']}


@dataclass(frozen=True)
class Dated:
    days: list[date]
    ids: list[int]


@pytest.fixture
def dated(api: Api, shop: Shop, created_at) -> Dated:
    """Three orders on three days in three different months, oldest first."""
    today = datetime.now(UTC).date()
    days = [today - timedelta(days=70), today - timedelta(days=37), today - timedelta(days=1)]
    assert days[0] >= date(2026, 1, 1)
    ids = [created_at(api, shop.alice, datetime.combine(day, time(12, 0), tzinfo=UTC))["order_id"] for day in days]
    return Dated(days=days, ids=ids)


def test_backdated_orders_carry_their_day(api: Api, shop: Shop, dated: Dated) -> None:
    listed = api.get("/api/orders/", token=shop.alice.token).json_body["results"]
    created = [order["created_at"][:10] for order in listed]
    assert created == [day.isoformat() for day in reversed(dated.days)]


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [
        ({}, [2, 1, 0]),
        ({"created_from": 1}, [2, 1]),
        ({"created_to": 1}, [1, 0]),
        ({"created_from": 1, "created_to": 1}, [1]),
        ({"created_from": 0, "created_to": 2}, [2, 1, 0]),
        ({"created_from": 2}, [2]),
        ({"created_to": 0}, [0]),
    ],
)
def test_order_list_filters_by_created_dates_inclusively(
    api: Api, root: Account, dated: Dated, bounds: dict, expected: list[int]
) -> None:
    params = {name: dated.days[index].isoformat() for name, index in bounds.items()}
    assert admin_ids(api, root.token, **params) == [dated.ids[index] for index in expected]


def test_order_list_dates_outside_every_order_find_nothing(api: Api, root: Account, dated: Dated) -> None:
    day_after = dated.days[1] + timedelta(days=1)
    day_before = dated.days[1] - timedelta(days=1)
    assert admin_ids(api, root.token, created_from=day_after.isoformat(), created_to=day_after.isoformat()) == []
    assert admin_ids(api, root.token, created_from=day_before.isoformat(), created_to=day_before.isoformat()) == []
    assert admin_ids(api, root.token, created_to="2025-12-31") == []
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    assert admin_ids(api, root.token, created_from=tomorrow.isoformat()) == []


def test_order_list_pages_across_months(api: Api, root: Account, dated: Dated) -> None:
    pages = walk(api, root.token, "/api/admin/orders", limit=1)
    assert [[order["order_id"] for order in page] for page in pages] == [[dated.ids[2]], [dated.ids[1]], [dated.ids[0]]]


def test_order_list_combines_status_and_dates(api: Api, root: Account, shop: Shop, dated: Dated) -> None:
    code = api.order_detail(shop.alice.token, dated.ids[1])["tickets"][0]["code"]
    api.post(f"/api/admin/tickets/{code}/status", {"status": "DONE"}, token=root.token)
    before_last = dated.days[1].isoformat()
    assert admin_ids(api, root.token, status="COMPLETED", created_to=before_last) == [dated.ids[1]]
    assert admin_ids(api, root.token, status="PENDING", created_to=before_last) == [dated.ids[0]]
    assert admin_ids(api, root.token, status="COMPLETED", created_from=dated.days[2].isoformat()) == []


def test_order_list_refuses_created_from_after_created_to(api: Api, root: Account) -> None:
    response = api.get(query("/api/admin/orders", created_from="2026-05-02", created_to="2026-05-01"), token=root.token)
    assert response.status_code == 400
    assert response.json_body == {"created_from": ["Must not be after created_to."]}


@pytest.mark.parametrize(("name", "value"), [("created_from", "yesterday"), ("created_to", "2026-02-30")])
def test_order_list_refuses_a_malformed_date(api: Api, root: Account, name: str, value: str) -> None:
    response = api.get(query("/api/admin/orders", **{name: value}), token=root.token)
    assert response.status_code == 400
    assert set(response.json_body) == {name}


@pytest.fixture
def customers(api: Api, shop: Shop) -> dict[str, int]:
    return {
        "john": create_order(api, shop.alice, customer_name="John Doe", customer_phone="+1234567890")["order_id"],
        "jane": create_order(api, shop.bob, customer_name="Jane Roe", customer_phone="+44 20 7946 0000")["order_id"],
        "johnny": create_order(api, shop.bob, customer_name="Johnny Walker", customer_phone="555-0100")["order_id"],
    }


def search(api: Api, token: str, text: str, **params: object) -> list[int]:
    return sorted(admin_ids(api, token, q=text, **params))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jane", ["jane"]),
        ("JOHN", ["john", "johnny"]),
        ("oe", ["john", "jane"]),
        ("  walker ", ["johnny"]),
        ("nobody", []),
    ],
)
def test_order_search_by_customer_name_ignores_case(
    api: Api, root: Account, customers: dict[str, int], text: str, expected: list[str]
) -> None:
    assert search(api, root.token, text) == sorted(customers[name] for name in expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("4567", ["john"]), ("7946 0000", ["jane"]), ("+44", ["jane"]), ("0100", ["johnny"]), ("99999", [])],
)
def test_order_search_by_phone_digits(
    api: Api, root: Account, customers: dict[str, int], text: str, expected: list[str]
) -> None:
    assert search(api, root.token, text) == sorted(customers[name] for name in expected)


def test_order_search_by_owner_email_is_exact_and_newest_first(
    api: Api, root: Account, shop: Shop, customers: dict[str, int]
) -> None:
    assert admin_ids(api, root.token, q="bob@example.com") == [customers["johnny"], customers["jane"]]
    assert admin_ids(api, root.token, q="ALICE@Example.com") == [customers["john"]]
    assert admin_ids(api, root.token, q="alice@") == []
    assert admin_ids(api, root.token, q="bob@example") == []
    assert admin_ids(api, root.token, q="nobody@example.com") == []


def test_order_search_by_owner_email_pages_newest_first(api: Api, root: Account, shop: Shop) -> None:
    ids = [create_order(api, shop.alice)["order_id"] for _ in range(3)]
    create_order(api, shop.bob)
    pages = walk(api, root.token, "/api/admin/orders", q="alice@example.com", limit=2)
    assert [[order["order_id"] for order in page] for page in pages] == [[ids[2], ids[1]], [ids[0]]]


def test_order_search_pages_walk_every_match_once(api: Api, root: Account, shop: Shop) -> None:
    matching = {create_order(api, shop.alice, customer_name=f"Pat Smith {n}")["order_id"] for n in range(5)}
    create_order(api, shop.bob, customer_name="Someone Else")
    pages = walk(api, root.token, "/api/admin/orders", q="pat smith", limit=2)
    found = [order["order_id"] for page in pages for order in page]
    assert sorted(found) == sorted(matching)
    assert all(len(page) <= 2 for page in pages)
    assert len(pages) in (3, 4)  # the last may be empty: a scan cannot tell it has ended


def test_order_search_entries_carry_the_owner(api: Api, root: Account, shop: Shop, customers: dict[str, int]) -> None:
    (entry,) = api.get(query("/api/admin/orders", q="jane"), token=root.token).json_body["results"]
    assert (entry["order_id"], entry["owner_id"], entry["customer_name"]) == (
        customers["jane"],
        shop.bob.user_id,
        "Jane Roe",
    )


def test_order_search_honours_the_status_filter(api: Api, root: Account, shop: Shop, statuses: dict[str, int]) -> None:
    # Like the listing, the search filters on the stored status, written with each change.
    for status, order_id in statuses.items():
        assert admin_ids(api, root.token, q="john doe", status=status) == [order_id]
    assert search(api, root.token, "john doe") == sorted(statuses.values())


def test_owner_search_honours_the_status_filter(api: Api, root: Account, shop: Shop, statuses: dict[str, int]) -> None:
    assert admin_ids(api, root.token, q="bob@example.com", status="COMPLETED") == [statuses["COMPLETED"]]
    assert admin_ids(api, root.token, q="bob@example.com", status="CANCELLED") == [statuses["CANCELLED"]]
    assert admin_ids(api, root.token, q="alice@example.com", status="PROCESSING") == [statuses["PROCESSING"]]
    assert admin_ids(api, root.token, q="alice@example.com", status="COMPLETED") == []
    assert admin_ids(api, root.token, q="bob@example.com") == [statuses["CANCELLED"], statuses["COMPLETED"]]


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [
        ({}, [2, 1, 0]),
        ({"created_from": 1}, [2, 1]),
        ({"created_to": 1}, [1, 0]),
        ({"created_from": 1, "created_to": 1}, [1]),
        ({"created_from": 2}, [2]),
        ({"created_to": 0}, [0]),
    ],
)
@pytest.mark.parametrize("text", ["john doe", "alice@example.com"], ids=["text", "owner"])
def test_order_search_honours_the_created_dates(
    api: Api, root: Account, dated: Dated, text: str, bounds: dict, expected: list[int]
) -> None:
    params = {name: dated.days[index].isoformat() for name, index in bounds.items()}
    found = admin_ids(api, root.token, q=text, **params)
    if "@" in text:
        assert found == [dated.ids[index] for index in expected]  # the owner index: newest first
    else:
        assert sorted(found) == sorted(dated.ids[index] for index in expected)


@pytest.mark.parametrize("text", ["john doe", "alice@example.com"], ids=["text", "owner"])
def test_order_search_combines_status_and_dates(api: Api, root: Account, shop: Shop, dated: Dated, text: str) -> None:
    for index in (0, 1):
        code = api.order_detail(shop.alice.token, dated.ids[index])["tickets"][0]["code"]
        assert change_ticket(api, root.token, code, "DONE").status_code == 200
    assert admin_ids(api, root.token, q=text, status="COMPLETED", created_from=dated.days[1].isoformat()) == [
        dated.ids[1]
    ]
    assert admin_ids(api, root.token, q=text, status="PENDING", created_to=dated.days[1].isoformat()) == []
    assert admin_ids(api, root.token, q=text, status="PENDING") == [dated.ids[2]]


@pytest.mark.parametrize("text", ["john doe", "alice@example.com"], ids=["text", "owner"])
@pytest.mark.parametrize(
    "params",
    [
        {"created_from": "0001-01-01"},
        {"created_to": "9999-12-31"},
        {"created_from": "2000-01-01", "created_to": "2999-12-31"},
    ],
    ids=["far-past-from", "far-future-to", "both"],
)
def test_order_search_with_far_dates_finds_every_order(
    api: Api, root: Account, dated: Dated, text: str, params: dict
) -> None:
    assert sorted(admin_ids(api, root.token, q=text, **params)) == sorted(dated.ids)


def test_owner_search_pages_within_the_filters(api: Api, root: Account, dated: Dated, shop: Shop) -> None:
    extra = create_order(api, shop.alice)["order_id"]  # today, outside created_to below
    pages = walk(
        api, root.token, "/api/admin/orders", q="alice@example.com", created_to=dated.days[2].isoformat(), limit=1
    )
    assert extra not in [order["order_id"] for page in pages for order in page]
    assert [[order["order_id"] for order in page] for page in pages] == [[dated.ids[2]], [dated.ids[1]], [dated.ids[0]]]


def test_text_search_pages_within_the_filters(api: Api, root: Account, dated: Dated) -> None:
    pages = walk(api, root.token, "/api/admin/orders", q="john", created_from=dated.days[1].isoformat(), limit=1)
    found = [order["order_id"] for page in pages for order in page]
    assert sorted(found) == sorted(dated.ids[1:])


def test_a_listing_cursor_reused_for_a_search_is_400(api: Api, root: Account, shop: Shop) -> None:
    for _ in range(3):
        create_order(api, shop.alice)
    cursor = api.get("/api/admin/orders?limit=1", token=root.token).json_body["next_cursor"]
    response = api.get(query("/api/admin/orders", q="john", cursor=cursor), token=root.token)
    assert response.status_code == 400
    assert response.json_body == INVALID_CURSOR


ORDER_MODES = {
    "listing": {},
    "status-listing": {"status": "PENDING"},
    "text": {"q": "pat"},
    "owner": {"q": "alice@example.com"},
}
MODE_OF = {"listing": "listing", "status-listing": "listing", "text": "text", "owner": "owner"}


def first_cursor(api: Api, token: str, **params: object) -> str:
    response = api.get(query("/api/admin/orders", limit=1, **params), token=token)
    assert response.status_code == 200, response.json_body
    cursor = response.json_body["next_cursor"]
    assert cursor is not None
    return cursor


@pytest.mark.usefixtures("three_pending")
@pytest.mark.parametrize("issued_for", ORDER_MODES)
@pytest.mark.parametrize("used_for", ORDER_MODES)
def test_an_order_cursor_works_only_in_the_mode_it_was_issued_for(
    api: Api, root: Account, issued_for: str, used_for: str
) -> None:
    cursor = first_cursor(api, root.token, **ORDER_MODES[issued_for])
    response = api.get(query("/api/admin/orders", limit=1, cursor=cursor, **ORDER_MODES[used_for]), token=root.token)
    if MODE_OF[issued_for] == MODE_OF[used_for]:
        assert response.status_code == 200, response.json_body
    else:
        assert response.status_code == 400
        assert response.json_body == INVALID_CURSOR


@pytest.mark.usefixtures("three_pending")
@pytest.mark.parametrize("mode", ["text", "owner"])
def test_a_search_cursor_is_refused_by_the_other_listings(api: Api, root: Account, mode: str) -> None:
    cursor = first_cursor(api, root.token, **ORDER_MODES[mode])
    for path in ("/api/admin/users", "/api/admin/audit"):
        response = api.get(query(path, cursor=cursor), token=root.token)
        assert response.status_code == 400
        assert response.json_body == INVALID_CURSOR


@pytest.mark.usefixtures("three_pending")
@pytest.mark.parametrize("mode", ["text", "owner"])
def test_a_search_cursor_works_only_for_the_admin_it_was_issued_to(api: Api, root: Account, mode: str) -> None:
    other_root = make_account("other.root@example.com", superuser=True)
    cursor = first_cursor(api, root.token, **ORDER_MODES[mode])
    response = api.get(query("/api/admin/orders", cursor=cursor, **ORDER_MODES[mode]), token=other_root.token)
    assert response.status_code == 400
    assert response.json_body == INVALID_CURSOR


def test_order_list_rejects_a_tampered_cursor(api: Api, root: Account, shop: Shop) -> None:
    for _ in range(3):
        create_order(api, shop.alice)
    cursor = api.get("/api/admin/orders?limit=1", token=root.token).json_body["next_cursor"]
    response = api.get(query("/api/admin/orders", limit=1, cursor=flip_character(cursor, 30)), token=root.token)
    assert response.status_code == 400
    assert response.json_body == INVALID_CURSOR


def test_get_one_order_with_its_tickets_and_owner(api: Api, root: Account, shop: Shop) -> None:
    order = create_order(api, shop.alice, tickets=3, comment="fragile")
    response = api.get(f"/api/admin/orders/{order['order_id']}", token=root.token)
    assert response.status_code == 200
    assert response.json_body == {**order, "owner_id": shop.alice.user_id}
    assert [ticket["product_codes"] for ticket in response.json_body["tickets"]] == [["PROD-0"], ["PROD-1"], ["PROD-2"]]


@pytest.mark.parametrize("order_id", ["12345", "abc", "-1", "1.5"])
def test_get_an_unknown_order_is_404(api: Api, root: Account, order_id: str) -> None:
    response = api.get(f"/api/admin/orders/{order_id}", token=root.token)
    assert response.status_code == 404
    assert response.json_body == NO_ORDER


# Dates in the years 1-999 (ISO dates allow them): months are zero-padded
# ("0030-01"), so they compare as strings with the first month of orders.


def test_months_before_the_year_1000_are_zero_padded() -> None:
    assert [month_of(datetime(year, 1, 1)) for year in (1, 30, 999, 2026)] == [
        "0001-01",
        "0030-01",
        "0999-01",
        "2026-01",
    ]


@pytest.mark.usefixtures("three_pending")
@pytest.mark.parametrize("created_from", ["0030-01-01", "0500-06-15", "0999-12-31"])
def test_a_created_from_before_the_year_1000_finds_every_order(api: Api, root: Account, created_from: str) -> None:
    with recorded_dynamodb_calls() as calls:
        assert len(admin_ids(api, root.token, created_from=created_from)) == 3
    assert calls.counts == {"GetItem": 1, "Query": months_since_first(), "BatchGetItem": 1}


@pytest.mark.usefixtures("three_pending")
@pytest.mark.parametrize("created_to", ["0030-12-31", "0999-12-31"])
def test_a_created_to_before_the_year_1000_sends_no_query(api: Api, root: Account, created_to: str) -> None:
    with recorded_dynamodb_calls() as calls:
        assert admin_ids(api, root.token, created_to=created_to) == []
    assert calls.counts == {"GetItem": 1}


# A created_from after today


class DynamoDBValidation:
    """What DynamoDB checks and moto does not: a BETWEEN whose lower bound is
    above its upper bound is refused with a ValidationException (400)."""

    BETWEEN = re.compile(r"BETWEEN (:\w+) AND (:\w+)")

    def __init__(self) -> None:
        self.refused: list[str] = []

    def check(self, operation: str, params: dict) -> None:
        values = params.get("ExpressionAttributeValues", {})
        for name in ("KeyConditionExpression", "FilterExpression", "ConditionExpression"):
            for low, high in self.BETWEEN.findall(params.get(name, "")):
                if "N" in values[low] and Decimal(values[low]["N"]) > Decimal(values[high]["N"]):
                    self.refused.append(f"{operation} {name}")
                    message = (
                        f"Invalid {name}: The BETWEEN operator requires upper bound to be greater than or equal "
                        f"to lower bound; lower bound operand: AttributeValue: {{N:{values[low]['N']}}}, "
                        f"upper bound operand: AttributeValue: {{N:{values[high]['N']}}}"
                    )
                    raise ClientError({"Error": {"Code": "ValidationException", "Message": message}}, operation)


@pytest.fixture
def dynamodb_validation(monkeypatch: pytest.MonkeyPatch) -> DynamoDBValidation:
    validation = DynamoDBValidation()
    make_api_call = BaseClient._make_api_call

    def validated(client: BaseClient, operation: str, params: dict) -> dict:
        if client.meta.service_model.service_name == "dynamodb":
            validation.check(operation, params)
        return make_api_call(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", validated)
    return validation


def test_the_validation_refuses_an_inverted_between_like_dynamodb(
    api: Api, root: Account, dynamodb_validation: DynamoDBValidation
) -> None:
    user_id = root.user_id
    with pytest.raises(QueryError, match="ValidationException"):
        list(OrderRecord.by_owner.query(user_id, OrderRecord.order_id.between(2, 1)))
    assert list(OrderRecord.by_owner.query(user_id, OrderRecord.order_id.between(1, 1))) == []
    assert dynamodb_validation.refused == ["Query KeyConditionExpression"]


@pytest.fixture
def mid_june(monkeypatch: pytest.MonkeyPatch) -> date:
    """The admin's selectors see 2026-06-10 as today, so that tomorrow is in the same month."""
    today = date(2026, 6, 10)

    class Clock(datetime):
        @classmethod
        def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
            return datetime.combine(today, time(12, 0), tzinfo=UTC)

    monkeypatch.setattr(selectors, "datetime", Clock)
    return today


# An empty id range (created_from after today, though in this month) is an
# empty page without a Query or a Scan; an owner search still looks the owner up.
@pytest.mark.parametrize(
    ("params", "expected_calls"),
    [
        ({}, {"GetItem": 1}),
        ({"status": "PENDING"}, {"GetItem": 1}),
        ({"q": "john"}, {"GetItem": 1}),
        ({"q": "alice@example.com"}, {"GetItem": 2}),
    ],
    ids=["listing", "status-listing", "text", "owner"],
)
def test_a_created_from_after_today_is_an_empty_page(
    api: Api,
    root: Account,
    shop: Shop,
    mid_june: date,
    dynamodb_validation: DynamoDBValidation,
    params: dict,
    expected_calls: dict,
) -> None:
    create_order(api, shop.alice)
    tomorrow = mid_june + timedelta(days=1)
    with recorded_dynamodb_calls() as calls:
        response = api.get(query("/api/admin/orders", created_from=tomorrow.isoformat(), **params), token=root.token)
    assert response.status_code == 200, (response.json_body, dynamodb_validation.refused)
    assert response.json_body == {"results": [], "next_cursor": None}
    assert dynamodb_validation.refused == []
    assert calls.counts == expected_calls
