"""The admin's tickets: detail and status changes."""

import uuid

import pytest

from chalicelib.orders.domain import TicketStatus
from chalicelib.orders.models import ticket_counts
from tests.support.aws_calls import recorded_dynamodb_calls
from tests.unit.admin.conftest import (
    NO_TICKET,
    Account,
    Shop,
    change_ticket,
    create_order,
    stored_order,
)
from tests.unit.conftest import Api


def test_get_a_ticket_by_code_shows_its_order(api: Api, root: Account, shop: Shop) -> None:
    order = create_order(api, shop.alice, tickets=2)
    code = order["tickets"][1]["code"]
    response = api.get(f"/api/admin/tickets/{code}", token=root.token)
    assert response.status_code == 200
    assert response.json_body == {**order, "owner_id": shop.alice.user_id, "ticket_code": code}


def test_a_ticket_code_is_found_in_upper_case(api: Api, root: Account, shop: Shop) -> None:
    code = create_order(api, shop.alice)["tickets"][0]["code"]
    response = api.get(f"/api/admin/tickets/{code.upper()}", token=root.token)
    assert response.status_code == 200
    assert response.json_body["ticket_code"] == code


@pytest.mark.parametrize("code", [str(uuid.uuid4()), "not-a-code"])
def test_get_an_unknown_ticket_is_404(api: Api, root: Account, code: str) -> None:
    response = api.get(f"/api/admin/tickets/{code}", token=root.token)
    assert response.status_code == 404
    assert response.json_body == NO_TICKET


def test_admin_status_change_goes_through_the_status_service(api: Api, root: Account, shop: Shop) -> None:
    order = create_order(api, shop.alice, tickets=2)
    first, second = (ticket["code"] for ticket in order["tickets"])

    response = change_ticket(api, root.token, first, "DONE")

    assert response.status_code == 200
    assert response.json_body == {"code": first, "status": "DONE", "outcome": "applied"}
    detail = api.order_detail(shop.alice.token, order["order_id"])
    assert detail["status"] == "PROCESSING"
    assert [ticket["status"] for ticket in detail["tickets"]] == ["DONE", "NEW"]
    (change,) = detail["tickets"][0]["history"]
    assert (change["from_status"], change["to_status"], change["source"], change["event_id"]) == (
        "NEW",
        "DONE",
        "admin",
        None,
    )
    assert detail["tickets"][1]["history"] == []
    counts = ticket_counts(stored_order(order["order_id"]))
    assert {status.value: count for status, count in counts.items()} == {
        "NEW": 1,
        "IN_PROGRESS": 0,
        "DONE": 1,
        "ERROR": 0,
    }

    assert change_ticket(api, root.token, second, "DONE").json_body["outcome"] == "applied"
    detail = api.order_detail(shop.alice.token, order["order_id"])
    assert detail["status"] == "COMPLETED"
    assert ticket_counts(stored_order(order["order_id"]))[TicketStatus.DONE] == 2


def test_admin_status_changes_build_the_history_in_order(api: Api, root: Account, shop: Shop) -> None:
    order = create_order(api, shop.alice)
    code = order["tickets"][0]["code"]
    for status in ("IN_PROGRESS", "ERROR", "DONE"):
        assert change_ticket(api, root.token, code, status).json_body["outcome"] == "applied"
    history = api.order_detail(shop.alice.token, order["order_id"])["tickets"][0]["history"]
    assert [(change["from_status"], change["to_status"]) for change in history] == [
        ("NEW", "IN_PROGRESS"),
        ("IN_PROGRESS", "ERROR"),
        ("ERROR", "DONE"),
    ]
    assert {change["source"] for change in history} == {"admin"}


def test_admin_setting_the_current_status_is_unchanged(api: Api, root: Account, shop: Shop) -> None:
    order = create_order(api, shop.alice)
    code = order["tickets"][0]["code"]
    response = change_ticket(api, root.token, code, "NEW")
    assert response.json_body == {"code": code, "status": "NEW", "outcome": "unchanged"}
    detail = api.order_detail(shop.alice.token, order["order_id"])
    assert (detail["status"], detail["tickets"][0]["history"]) == ("PENDING", [])


def test_admin_status_change_is_one_query_and_one_transaction(api: Api, root: Account, shop: Shop) -> None:
    code = create_order(api, shop.alice)["tickets"][0]["code"]
    with recorded_dynamodb_calls() as calls:
        assert change_ticket(api, root.token, code, "DONE").status_code == 200
    assert calls.counts == {"GetItem": 1, "Query": 1, "BatchGetItem": 1, "TransactWriteItems": 1}


@pytest.mark.parametrize("code", [str(uuid.uuid4()), "not-a-code"])
def test_admin_status_change_of_an_unknown_ticket_is_404(api: Api, root: Account, code: str) -> None:
    response = change_ticket(api, root.token, code, "DONE")
    assert response.status_code == 404
    assert response.json_body == NO_TICKET


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"status": "FINISHED"}, {"status": ['"FINISHED" is not a valid choice.']}),
        ({"status": "done"}, {"status": ['"done" is not a valid choice.']}),
        ({}, {"status": ["This field is required."]}),
    ],
)
def test_admin_status_change_with_a_bad_status_is_400(api: Api, root: Account, shop: Shop, body, errors) -> None:
    order = create_order(api, shop.alice)
    code = order["tickets"][0]["code"]
    response = api.post(f"/api/admin/tickets/{code}/status", body, token=root.token)
    assert response.status_code == 400
    assert response.json_body == errors
    assert api.order_detail(shop.alice.token, order["order_id"])["tickets"][0]["status"] == "NEW"
