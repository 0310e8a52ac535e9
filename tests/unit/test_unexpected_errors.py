import itertools
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType, SimpleNamespace

import pytest
from chalice.test import HTTPResponse

from chalicelib.orders import api as orders_api
from chalicelib.orders import services
from chalicelib.orders.models import OrdersTableItem, TicketRecord, order_partition, ticket_sort_key
from tests.unit.conftest import Api

CREATE = "/api/orders/create/"
SERVER_ERROR_DETAIL = "A server error occurred."
ORDER = {
    "customer_name": "John Doe",
    "customer_phone": "+1234567890",
    "tickets": [{"product_codes": [f"PROD-{n}"]} for n in range(99)],
}


def raise_boom(**_: object) -> None:
    raise RuntimeError("boom")


def table_items() -> list[OrdersTableItem]:
    return list(OrdersTableItem.scan())


def assert_server_error_shape(response: HTTPResponse) -> None:
    assert response.status_code == 500
    body = response.json_body
    assert set(body) == {"detail", "request_id"}
    assert body["detail"] == SERVER_ERROR_DETAIL
    assert isinstance(body["request_id"], str)
    assert body["request_id"]
    raw = response.body.decode()
    assert "Traceback" not in raw
    assert "Error" not in raw


BROKEN_ROUTES = [
    pytest.param("POST", CREATE, ORDER, services, "order_create", id="create"),
    pytest.param("GET", "/api/orders/", None, orders_api.selectors, "order_list_for_owner", id="list"),
    pytest.param("GET", "/api/orders/1/", None, orders_api.selectors, "order_get_with_tickets", id="detail"),
    pytest.param(
        "POST",
        f"/api/orders/tickets/{uuid.uuid4()}/update-status/",
        {"status": "DONE"},
        services,
        "ticket_change_status",
        id="update-status",
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "module", "function"), BROKEN_ROUTES)
def test_unexpected_error_answers_500_without_internals_and_logs_the_traceback(
    api: Api,
    token: str,
    log_records: Callable[[], list[dict]],
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    path: str,
    body: dict | None,
    module: ModuleType,
    function: str,
) -> None:
    monkeypatch.setattr(module, function, raise_boom)

    response = api.post(path, body, token=token) if method == "POST" else api.get(path, token=token)

    assert_server_error_shape(response)
    assert "boom" not in response.body.decode()
    errors = [record for record in log_records() if record["level"] == "ERROR"]
    assert len(errors) == 1
    assert errors[0]["exception_name"] == "RuntimeError"
    assert errors[0]["exception"].startswith("Traceback")
    assert "RuntimeError: boom" in errors[0]["exception"]
    assert errors[0]["request_id"] == response.json_body["request_id"]


def test_order_id_collision_draws_a_new_id_and_leaves_the_existing_order_alone(
    api: Api, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    existing = api.create_order(token, tickets=2)
    existing_before = api.get(f"/api/orders/{existing['order_id']}/", token=token).json_body
    fresh_id = existing["order_id"] + 1
    draws = iter([existing["order_id"], fresh_id])
    monkeypatch.setattr(services, "_draw_order_id", lambda: next(draws))

    response = api.post(CREATE, {**ORDER, "customer_name": "Intruder"}, token=token)

    assert response.status_code == 201, response.json_body
    assert response.json_body["order_id"] == fresh_id
    assert api.get(f"/api/orders/{existing['order_id']}/", token=token).json_body == existing_before
    assert len(list(OrdersTableItem.query(order_partition(existing["order_id"])))) == 1 + 2
    assert len(table_items()) == (1 + 2) + (1 + 99)


def test_order_id_colliding_on_every_attempt_answers_503_and_writes_nothing(
    api: Api, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    existing = api.create_order(token, tickets=2)
    monkeypatch.setattr(services, "_draw_order_id", lambda: existing["order_id"])

    response = api.post(CREATE, ORDER, token=token)

    assert response.status_code == 503
    assert list(response.json_body) == ["detail"]
    assert response.headers["Retry-After"] == "1"
    assert len(table_items()) == 1 + 2


def uuid4_returning_at_call(call_number: int, forced: uuid.UUID) -> Callable[[], uuid.UUID]:
    calls = itertools.count()

    def uuid4() -> uuid.UUID:
        return forced if next(calls) == call_number else uuid.uuid4()

    return uuid4


def test_transaction_failing_midway_leaves_none_of_its_items(
    api: Api, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken_order_id, fresh_order_id = 4242 << 12, 4243 << 12
    clashing_code = uuid.uuid4()
    now = datetime.now(UTC)
    stray_ticket = TicketRecord(
        order_partition(taken_order_id),
        ticket_sort_key(str(clashing_code)),
        ticket_code=str(clashing_code),
        order_id=taken_order_id,
        position=0,
        product_codes=["STRAY"],
        created_at=now,
        updated_at=now,
    )
    stray_ticket.save()
    draws = iter([taken_order_id, fresh_order_id])
    monkeypatch.setattr(services, "_draw_order_id", lambda: next(draws))
    monkeypatch.setattr(services, "uuid", SimpleNamespace(uuid4=uuid4_returning_at_call(50, clashing_code)))

    response = api.post(CREATE, ORDER, token=token)

    assert response.status_code == 201, response.json_body
    assert response.json_body["order_id"] == fresh_order_id
    taken_partition = list(OrdersTableItem.query(order_partition(taken_order_id)))
    assert [(item.pk, item.sk) for item in taken_partition] == [(stray_ticket.pk, stray_ticket.sk)]
    assert len(table_items()) == 1 + (1 + 99)


def test_duplicate_ticket_codes_in_one_order_answer_500_and_write_nothing(
    api: Api, token: str, monkeypatch: pytest.MonkeyPatch, log_records: Callable[[], list[dict]]
) -> None:
    same_code = uuid.uuid4()
    monkeypatch.setattr(services, "uuid", SimpleNamespace(uuid4=lambda: same_code))

    response = api.post(CREATE, ORDER, token=token)

    assert_server_error_shape(response)
    assert table_items() == []
    assert api.get("/api/orders/", token=token).json_body["results"] == []
    errors = [record for record in log_records() if record["level"] == "ERROR"]
    assert [error["exception_name"] for error in errors] == ["TransactWriteError"]
