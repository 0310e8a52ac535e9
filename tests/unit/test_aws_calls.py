import uuid
from collections.abc import Callable

import pytest

from chalicelib.tables import TABLES
from tests.support.aws_calls import CallLog, recorded_dynamodb_calls
from tests.unit.conftest import Api

AUTH = {"GetItem": 1}


def recorded(request: Callable[[], object]) -> CallLog:
    with recorded_dynamodb_calls() as calls:
        request()
    assert "Scan" not in calls.calls
    return calls


def test_register_is_one_put_and_no_read(api: Api) -> None:
    calls = recorded(lambda: api.register(email="new.user@example.com"))

    assert calls.counts == {"PutItem": 1}
    assert (calls.reads, calls.writes) == (0, 1)


def test_authenticating_a_request_is_one_get_item(api: Api, token: str) -> None:
    # An invalid body is refused after authentication, with nothing else read.
    calls = recorded(lambda: api.post("/api/orders/create/", {"tickets": 1}, token=token))

    assert calls.counts == AUTH


def test_token_with_a_bad_signature_is_refused_before_any_read(api: Api, token: str) -> None:
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:10]}{'A' if signature[10] != 'A' else 'B'}{signature[11:]}"

    calls = recorded(lambda: api.get("/api/orders/", token=forged))

    assert calls.calls == []


def test_missing_token_costs_nothing(api: Api) -> None:
    calls = recorded(lambda: api.get("/api/orders/"))

    assert calls.calls == []


def test_create_order_is_one_transaction_whatever_the_ticket_count(api: Api, token: str) -> None:
    one_ticket = recorded(lambda: api.create_order(token, tickets=1))
    ninety_nine_tickets = recorded(lambda: api.create_order(token, tickets=99))

    assert one_ticket.counts == AUTH | {"TransactWriteItems": 1}
    assert ninety_nine_tickets.counts == one_ticket.counts
    assert (ninety_nine_tickets.reads, ninety_nine_tickets.writes) == (1, 1)


def test_rejected_create_order_writes_nothing(api: Api, token: str) -> None:
    calls = recorded(lambda: api.post("/api/orders/create/", {"customer_name": ""}, token=token))

    assert calls.counts == AUTH


def test_update_status_is_one_query_one_batch_read_and_one_transaction(api: Api, token: str) -> None:
    code = api.create_order(token)["tickets"][0]["code"]

    calls = recorded(lambda: api.post(f"/api/orders/tickets/{code}/update-status/", {"status": "DONE"}))

    assert calls.counts == {"Query": 1, "BatchGetItem": 1, "TransactWriteItems": 1}
    assert (calls.reads, calls.writes) == (2, 1)


def test_update_status_to_the_current_status_only_records_the_report_time(api: Api, token: str) -> None:
    code = api.create_order(token)["tickets"][0]["code"]

    calls = recorded(lambda: api.post(f"/api/orders/tickets/{code}/update-status/", {"status": "NEW"}))

    assert calls.counts == {"Query": 1, "BatchGetItem": 1, "TransactWriteItems": 1}


@pytest.mark.parametrize(("code", "expected"), [(str(uuid.uuid4()), {"Query": 1}), ("not-a-uuid", {})])
def test_update_status_of_an_unknown_ticket_is_at_most_one_query(
    api: Api, token: str, code: str, expected: dict
) -> None:
    calls = recorded(lambda: api.post(f"/api/orders/tickets/{code}/update-status/", {"status": "DONE"}))

    assert calls.counts == expected


@pytest.mark.parametrize("orders", [0, 1, 30])
def test_order_list_is_one_query_and_one_batch_read_besides_authentication(api: Api, token: str, orders: int) -> None:
    for _ in range(orders):
        api.create_order(token)

    calls = recorded(lambda: api.get("/api/orders/?limit=20", token=token))

    # The index holds keys only: the page's orders come in one BatchGetItem (none for an empty page).
    assert calls.counts == AUTH | {"Query": 1} | ({"BatchGetItem": 1} if orders else {})
    assert calls.reads == 2 + bool(orders)


def test_order_list_next_page_is_one_query_besides_authentication(api: Api, token: str) -> None:
    for _ in range(30):
        api.create_order(token)
    cursor = api.get("/api/orders/?limit=20", token=token).json_body["next_cursor"]

    calls = recorded(lambda: api.get(f"/api/orders/?limit=20&cursor={cursor}", token=token))

    assert calls.counts == AUTH | {"Query": 1, "BatchGetItem": 1}


@pytest.mark.parametrize("tickets", [1, 99])
def test_order_detail_is_one_query_besides_authentication(api: Api, token: str, tickets: int) -> None:
    order_id = api.create_order(token, tickets=tickets)["order_id"]

    calls = recorded(lambda: api.get(f"/api/orders/{order_id}/", token=token))

    assert calls.counts == AUTH | {"Query": 1}


def test_unknown_order_detail_is_one_query_besides_authentication(api: Api, token: str) -> None:
    calls = recorded(lambda: api.get("/api/orders/12345/", token=token))

    assert calls.counts == AUTH | {"Query": 1}


def test_health_describes_each_table_once(api: Api) -> None:
    calls = recorded(lambda: api.get("/api/health/"))

    assert calls.counts == {"DescribeTable": len(TABLES)}


def test_a_whole_session_never_scans(api: Api) -> None:
    def session() -> None:
        token = api.register(email="session@example.com")
        api.post("/api/users/login/", {"email": "session@example.com", "password": "correct horse battery"})
        order = api.create_order(token, tickets=3)
        api.get("/api/orders/", token=token)
        api.get(f"/api/orders/{order['order_id']}/", token=token)
        for ticket in order["tickets"]:
            api.post(f"/api/orders/tickets/{ticket['code']}/update-status/", {"status": "DONE"})
        api.get("/api/health/")

    calls = recorded(session)

    # The login reserves its attempt (two puts that open the windows of the
    # email from this address and of the email), reads the user, and clears
    # the first (a delete).
    assert calls.counts == {
        "PutItem": 1 + 2,
        "DeleteItem": 1,
        "GetItem": 3 + 1,
        "TransactWriteItems": 4,
        "Query": 5,
        "BatchGetItem": 4,
        "DescribeTable": len(TABLES),
    }
