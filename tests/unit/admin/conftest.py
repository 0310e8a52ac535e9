"""What the admin API tests share: accounts of each kind, stored records, listings walked page by page."""

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from chalicelib.audit import AuditRecord
from chalicelib.orders.domain import FIRST_MONTH
from chalicelib.orders.models import ORDER_SORT_KEY, OrderRecord, order_partition
from chalicelib.pages import previous_month
from chalicelib.users.models import UserRecord
from chalicelib.users.permissions import (
    ADD_ORDER,
)
from tests.support.accounts import Account, make_account
from tests.unit.conftest import Api

ROOT = "root@example.com"
BUYER = "buyer@example.com"
NOT_PROVIDED = {"detail": "Authentication credentials were not provided."}
STAFF_ONLY = {"detail": "Only staff members may use the admin."}
SUPERUSER_ONLY = {"detail": "Only a superuser may grant or revoke superuser status."}
SUPERUSER_ACCOUNT = {"detail": "Only a superuser may change a superuser's account."}
NO_SELF_DEACTIVATION = {"detail": "You cannot deactivate your own account."}
NO_USER = {"detail": "No user with this id."}
NO_ORDER = {"detail": "No order with this id."}
NO_TICKET = {"detail": "No ticket with this code."}
INVALID_CURSOR = {"cursor": ["Invalid cursor."]}
USER_FIELDS = {
    "user_id",
    "email",
    "first_name",
    "last_name",
    "is_active",
    "is_staff",
    "is_superuser",
    "permissions",
    "created_at",
}


def denied(permission: str) -> dict:
    return {"detail": f"You do not have permission to perform this action ({permission})."}


def stored_user(email: str) -> UserRecord:
    return UserRecord.get(email, consistent_read=True)


def stored_order(order_id: int) -> OrderRecord:
    return OrderRecord.get(order_partition(order_id), ORDER_SORT_KEY, consistent_read=True)


def audit_entries() -> list[AuditRecord]:
    return list(AuditRecord.scan())


def query(path: str, **params: object) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def flip_character(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


def months_since_first() -> int:
    month, count = datetime.now(UTC).strftime("%Y-%m"), 0
    while month >= FIRST_MONTH:
        month, count = previous_month(month), count + 1
    return count


@pytest.fixture
def root(api: Api) -> Account:
    return make_account(ROOT, superuser=True)


@pytest.fixture
def buyer(api: Api) -> Account:
    return make_account(BUYER, permissions={ADD_ORDER})


def create_order(api: Api, owner: Account, tickets: int = 1, **fields: object) -> dict:
    return api.create_order(owner.token, tickets=tickets, **fields)


def admin_ids(api: Api, token: str, **params: object) -> list[int]:
    response = api.get(query("/api/admin/orders", **params), token=token)
    assert response.status_code == 200, response.json_body
    return [order["order_id"] for order in response.json_body["results"]]


def walk(api: Api, token: str, path: str, **params: object) -> list[list[dict]]:
    """Every page of a listing, following next_cursor to the end."""
    pages: list[list[dict]] = []
    cursor = None
    while True:
        response = api.get(query(path, **params, **({"cursor": cursor} if cursor else {})), token=token)
        assert response.status_code == 200, response.json_body
        pages.append(response.json_body["results"])
        cursor = response.json_body["next_cursor"]
        if cursor is None or len(pages) > 20:
            return pages


@dataclass(frozen=True)
class Shop:
    alice: Account
    bob: Account


@pytest.fixture
def shop(api: Api) -> Shop:
    return Shop(
        alice=make_account("alice@example.com", permissions={ADD_ORDER}),
        bob=make_account("bob@example.com", permissions={ADD_ORDER}),
    )


def change_ticket(api: Api, token: str, code: str, status: str):
    return api.post(f"/api/admin/tickets/{code}/status", {"status": status}, token=token)


def audit(api: Api, token: str, **params: object) -> list[dict]:
    response = api.get(query("/api/admin/audit", **params), token=token)
    assert response.status_code == 200, response.json_body
    return response.json_body["results"]


USER_EMAILS = ["alice@example.com", "malice@other.org", "bob@example.com", "carol@example.org"]


@pytest.fixture
def people(api: Api, root: Account) -> dict[str, Account]:
    return {email: make_account(email, permissions={ADD_ORDER}) for email in USER_EMAILS}


@pytest.fixture
def three_pending(api: Api, shop: Shop) -> list[int]:
    return [create_order(api, shop.alice, customer_name=f"Pat {n}")["order_id"] for n in range(3)]
