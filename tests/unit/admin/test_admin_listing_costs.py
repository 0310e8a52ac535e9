"""What each admin listing costs in DynamoDB calls."""

from datetime import UTC, datetime

import pytest

from chalicelib.users.models import UserRecord
from tests.support.accounts import PASSWORD
from tests.support.aws_calls import recorded_dynamodb_calls
from tests.unit.admin.conftest import (
    Account,
    Shop,
    admin_ids,
    audit,
    create_order,
    months_since_first,
    query,
    stored_user,
)
from tests.unit.conftest import Api


@pytest.mark.usefixtures("three_pending")
def test_listing_by_status_is_one_index_query_when_the_month_fills_the_page(api: Api, root: Account) -> None:
    with recorded_dynamodb_calls() as calls:
        response = api.get("/api/admin/orders?status=PENDING&limit=2", token=root.token)
    assert len(response.json_body["results"]) == 2
    assert calls.counts == {"GetItem": 1, "Query": 1, "BatchGetItem": 1}


@pytest.mark.usefixtures("three_pending")
@pytest.mark.parametrize(("params", "found"), [({"status": "COMPLETED"}, False), ({}, True)], ids=["status", "all"])
def test_listing_queries_one_index_partition_per_month_and_never_scans(
    api: Api, root: Account, params: dict, found: bool
) -> None:
    with recorded_dynamodb_calls() as calls:
        assert api.get(query("/api/admin/orders", **params), token=root.token).status_code == 200
    # The orders found, read in one BatchGetItem (none when the page is empty).
    batch = {"BatchGetItem": 1} if found else {}
    assert calls.counts == {"GetItem": 1, "Query": months_since_first()} | batch


@pytest.mark.usefixtures("three_pending")
def test_listing_by_date_queries_only_the_months_in_range(api: Api, root: Account) -> None:
    today = datetime.now(UTC).date().isoformat()
    with recorded_dynamodb_calls() as calls:
        assert len(admin_ids(api, root.token, created_from=today, status="PENDING")) == 3
    assert calls.counts == {"GetItem": 1, "Query": 1, "BatchGetItem": 1}


@pytest.mark.usefixtures("three_pending")
@pytest.mark.parametrize(
    "params",
    [
        {"created_from": "2020-01-01"},
        {"created_to": "2031-12-31"},
        {"created_from": "0001-01-01"},
        {"created_to": "9999-12-31"},
        {"created_from": "1900-01-01", "created_to": "2999-12-31"},
        {"status": "PENDING", "created_from": "0001-01-01", "created_to": "9999-12-31"},
    ],
    ids=["from-2020", "to-2031", "from-year-1", "to-year-9999", "both", "status-and-both"],
)
def test_far_dates_cost_no_more_than_the_months_with_orders(api: Api, root: Account, params: dict) -> None:
    with recorded_dynamodb_calls() as calls:
        assert len(admin_ids(api, root.token, **params)) == 3
    assert calls.counts == {"GetItem": 1, "Query": months_since_first(), "BatchGetItem": 1}


@pytest.mark.usefixtures("three_pending")
@pytest.mark.parametrize(
    "params",
    [
        {"created_to": "2025-12-31"},
        {"created_from": "9999-01-01"},
        {"created_from": "2999-12-31", "created_to": "9999-12-31"},
        {"created_from": "1900-01-01", "created_to": "1999-12-31"},
    ],
    ids=["before-the-first-month", "far-future-from", "far-future-range", "far-past-range"],
)
def test_a_range_without_any_month_of_orders_sends_no_query(api: Api, root: Account, params: dict) -> None:
    with recorded_dynamodb_calls() as calls:
        assert admin_ids(api, root.token, **params) == []
    assert calls.counts == {"GetItem": 1}


@pytest.mark.usefixtures("three_pending")
def test_a_created_to_of_this_month_queries_only_its_months(api: Api, root: Account) -> None:
    today = datetime.now(UTC).date()
    with recorded_dynamodb_calls() as calls:
        assert len(admin_ids(api, root.token, created_from=today.replace(day=1).isoformat())) == 3
    assert calls.counts == {"GetItem": 1, "Query": 1, "BatchGetItem": 1}


@pytest.mark.usefixtures("three_pending")
@pytest.mark.parametrize("text", ["pat", "alice@example.com"], ids=["text", "owner"])
def test_a_filtered_search_costs_what_the_plain_search_costs(api: Api, root: Account, text: str) -> None:
    with recorded_dynamodb_calls() as plain:
        assert len(admin_ids(api, root.token, q=text)) == 3
    params = {"status": "PENDING", "created_from": "0001-01-01", "created_to": "9999-12-31"}
    with recorded_dynamodb_calls() as filtered:
        assert len(admin_ids(api, root.token, q=text, **params)) == 3
    assert filtered.counts == plain.counts


@pytest.mark.usefixtures("three_pending")
def test_a_free_text_search_scans(api: Api, root: Account) -> None:
    with recorded_dynamodb_calls() as calls:
        assert len(admin_ids(api, root.token, q="pat")) == 3
    assert calls.counts == {"GetItem": 1, "Scan": 1}


@pytest.mark.usefixtures("three_pending")
def test_an_owner_email_search_uses_the_owner_index(api: Api, root: Account) -> None:
    with recorded_dynamodb_calls() as calls:
        assert len(admin_ids(api, root.token, q="alice@example.com")) == 3
    assert calls.counts == {"GetItem": 2, "Query": 1, "BatchGetItem": 1}


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize("params", [{}, {"q": "alice"}], ids=["list", "search"])
def test_the_user_list_scans(api: Api, root: Account, params: dict) -> None:
    with recorded_dynamodb_calls() as calls:
        assert api.get(query("/api/admin/users", **params), token=root.token).status_code == 200
    assert calls.counts == {"GetItem": 1, "Scan": 1}


def test_order_and_ticket_detail_are_queries(api: Api, root: Account, shop: Shop) -> None:
    order = create_order(api, shop.alice, tickets=2)
    with recorded_dynamodb_calls() as order_calls:
        api.get(f"/api/admin/orders/{order['order_id']}", token=root.token)
    with recorded_dynamodb_calls() as ticket_calls:
        api.get(f"/api/admin/tickets/{order['tickets'][0]['code']}", token=root.token)
    assert order_calls.counts == {"GetItem": 1, "Query": 1}
    assert ticket_calls.counts == {"GetItem": 1, "Query": 2}


def test_the_audit_trail_is_read_with_queries(api: Api, root: Account, buyer: Account) -> None:
    api.patch(f"/api/admin/users/{buyer.user_id}", {"is_staff": True}, token=root.token)
    with recorded_dynamodb_calls() as calls:
        assert len(audit(api, root.token)) == 1
    assert calls.counts == {"GetItem": 1, "Query": months_since_first()}


def test_the_public_api_never_scans(api: Api) -> None:
    with recorded_dynamodb_calls() as calls:
        token = api.register(email="session@example.com")
        api.post("/api/users/login/", {"email": "session@example.com", "password": "wrong password here"})
        api.post("/api/users/login/", {"email": "nobody@example.com", "password": PASSWORD})
        token = api.post("/api/users/login/", {"email": "session@example.com", "password": PASSWORD}).json_body["token"]
        order = api.create_order(token, tickets=2)
        second = api.create_order(token)
        api.get("/api/orders/", token=token)
        api.get("/api/orders/?limit=1", token=token)
        api.get(f"/api/orders/{order['order_id']}/", token=token)
        api.post(f"/api/orders/{second['order_id']}/cancel/", token=token)
        api.post(f"/api/orders/tickets/{order['tickets'][0]['code']}/update-status/", {"status": "DONE"})
        new_password = "purple elephant umbrella"
        token = api.post(
            "/api/users/change-password/", {"current_password": PASSWORD, "new_password": new_password}, token=token
        ).json_body["token"]
        stored_user("session@example.com").update(actions=[UserRecord.permissions.remove()])
        assert api.post("/api/orders/create/", {}, token=token).status_code == 403
        api.get("/api/health/")
    assert calls.counts["Scan"] == 0
    assert {"GetItem", "Query", "PutItem", "TransactWriteItems", "UpdateItem", "DeleteItem"} <= set(calls.counts)
