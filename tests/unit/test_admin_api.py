"""The admin API under /api/admin/: who may call what, users, orders,
tickets, the audit trail, and what each listing costs in DynamoDB."""

import base64
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from pynamodb.exceptions import QueryError

from chalicelib.admin import selectors
from chalicelib.audit import AuditRecord
from chalicelib.orders import services as order_services
from chalicelib.orders.domain import FIRST_MONTH, TicketStatus, new_order_id
from chalicelib.orders.models import ORDER_SORT_KEY, OrderRecord, month_of, order_partition, ticket_counts
from chalicelib.orders.stored_status import stored_status_sync
from chalicelib.pages import previous_month
from chalicelib.storage import MAX_RETRY_ATTEMPTS
from chalicelib.users.models import UserRecord
from chalicelib.users.permissions import (
    ADD_ORDER,
    ALL_PERMISSIONS,
    CHANGE_TICKET,
    CHANGE_USER,
    PERMISSION_DESCRIPTIONS,
    VIEW_ORDER,
    VIEW_USER,
)
from chalicelib.users.services import user_issue_token, user_register
from tests.support.accounts import PASSWORD
from tests.support.dynamodb_calls import recorded_dynamodb_calls
from tests.support.faults import THROTTLED, Fault, faults
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


@dataclass(frozen=True)
class Account:
    email: str
    user_id: str
    token: str


def make_account(
    email: str, *, staff: bool = False, superuser: bool = False, permissions: frozenset[str] | set[str] = frozenset()
) -> Account:
    user = user_register(email=email, password=PASSWORD, superuser=superuser)
    if not superuser:
        user.update(
            actions=[
                UserRecord.is_staff.set(staff),
                UserRecord.permissions.set(set(permissions)) if permissions else UserRecord.permissions.remove(),
            ]
        )
    return Account(email=user.email, user_id=user.user_id, token=user_issue_token(user=user))


def stored_user(email: str) -> UserRecord:
    return UserRecord.get(email, consistent_read=True)


def stored_order(order_id: int) -> OrderRecord:
    return OrderRecord.get(order_partition(order_id), ORDER_SORT_KEY, consistent_read=True)


def sync_status(*order_ids: int) -> None:
    """What the orders stream handler does after each change: the status index follows."""
    for order_id in order_ids:
        stored_status_sync(order=stored_order(order_id))


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


def public_detail(api: Api, owner: Account, order_id: int) -> dict:
    response = api.get(f"/api/orders/{order_id}/", token=owner.token)
    assert response.status_code == 200
    return response.json_body


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


# Who may call what


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    permission: str | None
    body: dict | None = None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


ROUTES = [
    Route("GET", "/api/admin/me", None),
    Route("GET", "/api/admin/users", VIEW_USER),
    Route("GET", "/api/admin/users/{user_id}", VIEW_USER),
    Route("PATCH", "/api/admin/users/{user_id}", CHANGE_USER, {"is_staff": True}),
    Route("GET", "/api/admin/orders", VIEW_ORDER),
    Route("GET", "/api/admin/orders/{order_id}", VIEW_ORDER),
    Route("GET", "/api/admin/tickets/{code}", VIEW_ORDER),
    Route("POST", "/api/admin/tickets/{code}/status", CHANGE_TICKET, {"status": "DONE"}),
    Route("GET", "/api/admin/audit", VIEW_USER),
]
GUARDED_ROUTES = [route for route in ROUTES if route.permission]


@dataclass(frozen=True)
class World:
    buyer: Account
    order_id: int
    code: str


@pytest.fixture
def world(api: Api, buyer: Account) -> World:
    order = create_order(api, buyer)
    return World(buyer=buyer, order_id=order["order_id"], code=order["tickets"][0]["code"])


def call(api: Api, route: Route, world: World, token: str | None):
    path = route.path.format(user_id=world.buyer.user_id, order_id=world.order_id, code=world.code)
    if route.method == "GET":
        return api.get(path, token=token)
    if route.method == "PATCH":
        return api.patch(path, route.body, token=token)
    return api.post(path, route.body, token=token)


def assert_world_unchanged(api: Api, world: World) -> None:
    user = stored_user(world.buyer.email)
    assert (user.is_staff, user.permissions) == (False, {ADD_ORDER})
    assert public_detail(api, world.buyer, world.order_id)["tickets"][0]["status"] == "NEW"
    assert audit_entries() == []


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_admin_route_without_a_token_is_401(api: Api, world: World, route: Route) -> None:
    response = call(api, route, world, None)
    assert response.status_code == 401
    assert response.json_body == NOT_PROVIDED
    assert response.headers.get("WWW-Authenticate") == 'Token realm="api"'
    assert_world_unchanged(api, world)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_admin_route_for_a_non_staff_user_is_403_whatever_their_permissions(
    api: Api, world: World, route: Route
) -> None:
    outsider = make_account("outsider@example.com", permissions=ALL_PERMISSIONS)
    for token in (world.buyer.token, outsider.token):
        response = call(api, route, world, token)
        assert response.status_code == 403
        assert response.json_body == STAFF_ONLY
    assert_world_unchanged(api, world)


@pytest.mark.parametrize("route", GUARDED_ROUTES, ids=str)
def test_admin_route_for_staff_lacking_its_permission_is_403(api: Api, world: World, route: Route) -> None:
    staff = make_account("staff@example.com", staff=True, permissions=ALL_PERMISSIONS - {route.permission})
    response = call(api, route, world, staff.token)
    assert response.status_code == 403
    assert response.json_body == denied(route.permission)
    assert_world_unchanged(api, world)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_admin_route_for_staff_with_only_its_permission_is_200(api: Api, world: World, route: Route) -> None:
    permissions = {route.permission} if route.permission else set()
    staff = make_account("staff@example.com", staff=True, permissions=permissions)
    response = call(api, route, world, staff.token)
    assert response.status_code == 200, response.json_body


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_a_superuser_may_call_every_admin_route(api: Api, world: World, root: Account, route: Route) -> None:
    response = call(api, route, world, root.token)
    assert response.status_code == 200, response.json_body


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_a_superuser_without_staff_status_is_refused(api: Api, world: World, root: Account, route: Route) -> None:
    stored_user(ROOT).update(actions=[UserRecord.is_staff.set(False)])
    response = call(api, route, world, root.token)
    assert response.status_code == 403
    assert response.json_body == STAFF_ONLY


def test_an_inactive_staff_member_is_401(api: Api, root: Account) -> None:
    stored_user(ROOT).update(actions=[UserRecord.is_active.set(False)])
    response = api.get("/api/admin/me", token=root.token)
    assert response.status_code == 401
    assert response.json_body == {"detail": "User inactive or deleted."}


def test_staff_status_granted_in_the_admin_opens_the_admin_with_the_same_token(api: Api, root: Account) -> None:
    colleague = make_account("colleague@example.com")
    assert api.get("/api/admin/me", token=colleague.token).status_code == 403

    response = api.patch(
        f"/api/admin/users/{colleague.user_id}", {"is_staff": True, "permissions": [VIEW_USER]}, token=root.token
    )
    assert response.status_code == 200

    assert api.get("/api/admin/me", token=colleague.token).status_code == 200
    assert api.get("/api/admin/users", token=colleague.token).status_code == 200
    assert api.get("/api/admin/orders", token=colleague.token).json_body == denied(VIEW_ORDER)


def test_me_describes_the_staff_member_and_every_permission(api: Api) -> None:
    staff = make_account("staff@example.com", staff=True, permissions={VIEW_USER, VIEW_ORDER})
    response = api.get("/api/admin/me", token=staff.token)
    assert response.status_code == 200
    assert response.json_body == {
        "user_id": staff.user_id,
        "email": "staff@example.com",
        "is_superuser": False,
        "permissions": ["orders.view_order", "users.view_user"],
        "all_permissions": [
            {"codename": codename, "description": PERMISSION_DESCRIPTIONS[codename]}
            for codename in sorted(ALL_PERMISSIONS)
        ],
    }


def test_me_of_a_superuser(api: Api, root: Account) -> None:
    body = api.get("/api/admin/me", token=root.token).json_body
    assert (body["email"], body["is_superuser"], body["permissions"]) == (ROOT, True, sorted(ALL_PERMISSIONS))


# Users

USER_EMAILS = ["alice@example.com", "malice@other.org", "bob@example.com", "carol@example.org"]


@pytest.fixture
def people(api: Api, root: Account) -> dict[str, Account]:
    return {email: make_account(email, permissions={ADD_ORDER}) for email in USER_EMAILS}


def listed_emails(api: Api, token: str, **params: object) -> set[str]:
    response = api.get(query("/api/admin/users", **params), token=token)
    assert response.status_code == 200, response.json_body
    return {user["email"] for user in response.json_body["results"]}


def expected_user(account: Account, **overrides: object) -> dict:
    user = stored_user(account.email)
    return {
        "user_id": account.user_id,
        "email": account.email,
        "first_name": "",
        "last_name": "",
        "is_active": True,
        "is_staff": False,
        "is_superuser": False,
        "permissions": ["orders.add_order"],
        "created_at": user.created_at.isoformat().replace("+00:00", "Z"),
        **overrides,
    }


def test_user_list_returns_every_user(api: Api, root: Account, people: dict[str, Account]) -> None:
    response = api.get("/api/admin/users", token=root.token)
    assert response.status_code == 200
    assert response.json_body["next_cursor"] is None
    results = response.json_body["results"]
    assert sorted(user["email"] for user in results) == sorted([ROOT, *USER_EMAILS])
    assert all(set(user) == USER_FIELDS for user in results)
    alice = next(user for user in results if user["email"] == "alice@example.com")
    assert alice == expected_user(people["alice@example.com"])


def test_user_list_shows_a_superuser_as_such(api: Api, root: Account) -> None:
    (user,) = api.get("/api/admin/users", token=root.token).json_body["results"]
    assert user == expected_user(root, is_staff=True, is_superuser=True, permissions=sorted(ALL_PERMISSIONS))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("alice", {"alice@example.com", "malice@other.org"}),
        ("ALICE", {"alice@example.com", "malice@other.org"}),
        ("  Bob@ ", {"bob@example.com"}),
        ("example.org", {"carol@example.org"}),
        ("@example.com", {"alice@example.com", "bob@example.com", ROOT}),
        ("nobody", set()),
    ],
)
@pytest.mark.usefixtures("people")
def test_user_search_is_a_case_insensitive_email_substring(
    api: Api, root: Account, text: str, expected: set[str]
) -> None:
    assert listed_emails(api, root.token, q=text) == expected


@pytest.mark.usefixtures("people")
def test_user_list_pages_walk_every_user_once(api: Api, root: Account) -> None:
    pages = walk(api, root.token, "/api/admin/users", limit=2)
    assert [len(page) for page in pages] == [2, 2, 1]
    emails = [user["email"] for page in pages for user in page]
    assert sorted(emails) == sorted([ROOT, *USER_EMAILS])


@pytest.mark.usefixtures("people")
def test_user_search_pages_walk_every_match_once(api: Api, root: Account) -> None:
    pages = walk(api, root.token, "/api/admin/users", q="example.com", limit=1)
    emails = [user["email"] for page in pages for user in page]
    assert sorted(emails) == sorted(["alice@example.com", "bob@example.com", ROOT])
    assert all(len(page) <= 1 for page in pages)


@pytest.mark.usefixtures("people")
def test_user_list_rejects_a_tampered_cursor(api: Api, root: Account) -> None:
    cursor = api.get("/api/admin/users?limit=2", token=root.token).json_body["next_cursor"]
    for forged in (flip_character(cursor, len(cursor) - 5), flip_character(cursor, 40), "not-a-cursor"):
        response = api.get(query("/api/admin/users", limit=2, cursor=forged), token=root.token)
        assert response.status_code == 400
        assert response.json_body == INVALID_CURSOR


@pytest.mark.usefixtures("people")
def test_a_user_list_cursor_reveals_no_email(api: Api, root: Account) -> None:
    page = api.get("/api/admin/users?limit=2", token=root.token).json_body
    cursor = page["next_cursor"]
    decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    for user in page["results"]:
        for text in (user["email"], user["email"].split("@")[0]):
            assert text.encode() not in decoded
            assert text not in cursor


@pytest.mark.usefixtures("people")
def test_a_cursor_works_only_for_the_admin_it_was_issued_to(api: Api, root: Account) -> None:
    other_root = make_account("other.root@example.com", superuser=True)
    cursor = api.get("/api/admin/users?limit=2", token=root.token).json_body["next_cursor"]
    response = api.get(query("/api/admin/users", limit=2, cursor=cursor), token=other_root.token)
    assert response.status_code == 400
    assert response.json_body == INVALID_CURSOR


@pytest.mark.usefixtures("people")
def test_a_users_cursor_is_refused_by_the_other_listings(api: Api, root: Account) -> None:
    cursor = api.get("/api/admin/users?limit=2", token=root.token).json_body["next_cursor"]
    for path in ("/api/admin/orders", "/api/admin/audit"):
        response = api.get(query(path, cursor=cursor), token=root.token)
        assert response.status_code == 400
        assert response.json_body == INVALID_CURSOR


@pytest.mark.parametrize(("limit", "ok"), [("0", False), ("1", True), ("200", True), ("201", False), ("x", False)])
def test_user_list_limit_is_1_to_200(api: Api, root: Account, limit: str, ok: bool) -> None:
    response = api.get(f"/api/admin/users?limit={limit}", token=root.token)
    assert response.status_code == (200 if ok else 400)
    if not ok:
        assert set(response.json_body) == {"limit"}


def test_get_one_user(api: Api, root: Account, people: dict[str, Account]) -> None:
    bob = people["bob@example.com"]
    response = api.get(f"/api/admin/users/{bob.user_id}", token=root.token)
    assert response.status_code == 200
    assert response.json_body == expected_user(bob)


@pytest.mark.parametrize("user_id", [uuid.uuid4().hex, "nobody", "bob@example.com"])
@pytest.mark.usefixtures("people")
def test_get_an_unknown_user_is_404(api: Api, root: Account, user_id: str) -> None:
    response = api.get(f"/api/admin/users/{user_id}", token=root.token)
    assert response.status_code == 404
    assert response.json_body == NO_USER


def test_patch_deactivates_a_user(api: Api, root: Account, buyer: Account) -> None:
    response = api.patch(f"/api/admin/users/{buyer.user_id}", {"is_active": False}, token=root.token)
    assert response.status_code == 200
    assert response.json_body == expected_user(buyer, is_active=False)
    assert stored_user(BUYER).is_active is False


def test_patch_makes_a_user_staff(api: Api, root: Account, buyer: Account) -> None:
    response = api.patch(f"/api/admin/users/{buyer.user_id}", {"is_staff": True}, token=root.token)
    assert response.status_code == 200
    assert response.json_body == expected_user(buyer, is_staff=True)
    assert stored_user(BUYER).is_staff is True


def test_patch_replaces_the_permissions(api: Api, root: Account, buyer: Account) -> None:
    body = {"permissions": ["users.view_user", "orders.view_order", "orders.view_order"]}
    response = api.patch(f"/api/admin/users/{buyer.user_id}", body, token=root.token)
    assert response.status_code == 200
    assert response.json_body["permissions"] == ["orders.view_order", "users.view_user"]
    assert stored_user(BUYER).permissions == {VIEW_ORDER, VIEW_USER}


def test_patch_can_remove_every_permission(api: Api, root: Account, buyer: Account) -> None:
    response = api.patch(f"/api/admin/users/{buyer.user_id}", {"permissions": []}, token=root.token)
    assert response.status_code == 200
    assert response.json_body["permissions"] == []
    assert stored_user(BUYER).permissions == set()


def test_patch_leaves_fields_it_does_not_name(api: Api, root: Account, buyer: Account) -> None:
    api.patch(f"/api/admin/users/{buyer.user_id}", {"is_staff": True}, token=root.token)
    response = api.patch(f"/api/admin/users/{buyer.user_id}", {"is_staff": None, "is_active": True}, token=root.token)
    assert response.status_code == 200
    assert response.json_body == expected_user(buyer, is_staff=True)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"permissions": ["orders.delete_order"]}, {"permissions.0": ['"orders.delete_order" is not a valid choice.']}),
        (
            {"permissions": ["orders.add_order", "Orders.View_Order"]},
            {"permissions.1": ['"Orders.View_Order" is not a valid choice.']},
        ),
        ({"permissions": "orders.add_order"}, {"permissions": ['Expected a list of items but got type "str".']}),
    ],
    ids=["unknown", "wrong-case", "not-a-list"],
)
def test_patch_with_an_unknown_permission_is_400(api: Api, root: Account, buyer: Account, body, errors) -> None:
    response = api.patch(f"/api/admin/users/{buyer.user_id}", body, token=root.token)
    assert response.status_code == 400
    assert response.json_body == errors
    assert stored_user(BUYER).permissions == {ADD_ORDER}


def test_a_superuser_may_grant_superuser_status(api: Api, root: Account, buyer: Account) -> None:
    response = api.patch(f"/api/admin/users/{buyer.user_id}", {"is_superuser": True}, token=root.token)
    assert response.status_code == 200
    assert response.json_body == expected_user(buyer, is_superuser=True)
    assert stored_user(BUYER).is_superuser is True


@pytest.mark.parametrize("value", [True, False])
def test_only_a_superuser_may_change_superuser_status(api: Api, buyer: Account, value: bool) -> None:
    manager = make_account("manager@example.com", staff=True, permissions=ALL_PERMISSIONS)
    response = api.patch(
        f"/api/admin/users/{buyer.user_id}", {"is_superuser": value, "is_staff": True}, token=manager.token
    )
    assert response.status_code == 403
    assert response.json_body == SUPERUSER_ONLY
    assert (stored_user(BUYER).is_superuser, stored_user(BUYER).is_staff) == (False, False)


def test_staff_with_change_user_may_change_flags_and_permissions(api: Api, buyer: Account) -> None:
    manager = make_account("manager@example.com", staff=True, permissions={CHANGE_USER})
    body = {"is_staff": True, "permissions": [VIEW_ORDER]}
    response = api.patch(f"/api/admin/users/{buyer.user_id}", body, token=manager.token)
    assert response.status_code == 200
    assert response.json_body == expected_user(buyer, is_staff=True, permissions=[VIEW_ORDER])


@pytest.mark.parametrize(
    "body",
    [{"is_active": False}, {"is_staff": False}, {"permissions": []}, {"is_active": True}],
    ids=["deactivate", "drop-staff", "drop-permissions", "no-op"],
)
def test_staff_with_change_user_may_not_change_a_superuser(api: Api, root: Account, body: dict) -> None:
    manager = make_account("manager@example.com", staff=True, permissions=ALL_PERMISSIONS)
    before = stored_user(ROOT)
    response = api.patch(f"/api/admin/users/{root.user_id}", body, token=manager.token)
    assert response.status_code == 403
    assert response.json_body == SUPERUSER_ACCOUNT
    after = stored_user(ROOT)
    assert (after.is_active, after.is_staff, after.is_superuser, after.permissions) == (
        before.is_active,
        before.is_staff,
        before.is_superuser,
        before.permissions,
    )
    assert audit_entries() == []
    assert api.get("/api/admin/me", token=root.token).status_code == 200


def test_staff_with_change_user_may_not_revoke_a_superusers_status(api: Api, root: Account) -> None:
    manager = make_account("manager@example.com", staff=True, permissions=ALL_PERMISSIONS)
    response = api.patch(f"/api/admin/users/{root.user_id}", {"is_superuser": False}, token=manager.token)
    assert response.status_code == 403
    assert response.json_body == SUPERUSER_ONLY
    assert stored_user(ROOT).is_superuser is True


def test_staff_without_change_user_is_refused_for_its_permission_before_the_superuser_rule(
    api: Api, root: Account
) -> None:
    viewer = make_account("viewer@example.com", staff=True, permissions=ALL_PERMISSIONS - {CHANGE_USER})
    response = api.patch(f"/api/admin/users/{root.user_id}", {"is_staff": False}, token=viewer.token)
    assert response.status_code == 403
    assert response.json_body == denied(CHANGE_USER)


def test_a_superuser_may_change_another_superuser(api: Api, root: Account) -> None:
    other_root = make_account("other.root@example.com", superuser=True)
    response = api.patch(f"/api/admin/users/{other_root.user_id}", {"is_active": False}, token=root.token)
    assert response.status_code == 200
    assert response.json_body["is_active"] is False
    assert stored_user("other.root@example.com").is_active is False
    (entry,) = audit_entries()
    assert (entry.actor_email, entry.target_id) == (ROOT, other_root.user_id)


def test_a_manager_is_told_404_for_an_unknown_user_not_the_superuser_rule(api: Api) -> None:
    manager = make_account("manager@example.com", staff=True, permissions={CHANGE_USER})
    response = api.patch(f"/api/admin/users/{uuid.uuid4().hex}", {"is_staff": True}, token=manager.token)
    assert response.status_code == 404
    assert response.json_body == NO_USER


def test_nobody_may_deactivate_themselves(api: Api, root: Account) -> None:
    response = api.patch(f"/api/admin/users/{root.user_id}", {"is_active": False}, token=root.token)
    assert response.status_code == 403
    assert response.json_body == NO_SELF_DEACTIVATION
    assert stored_user(ROOT).is_active is True
    assert api.get("/api/admin/me", token=root.token).status_code == 200


def test_patch_of_an_unknown_user_is_404(api: Api, root: Account) -> None:
    response = api.patch(f"/api/admin/users/{uuid.uuid4().hex}", {"is_staff": True}, token=root.token)
    assert response.status_code == 404
    assert response.json_body == NO_USER


def test_patch_writes_the_user_and_its_audit_entry_in_one_transaction(api: Api, root: Account, buyer: Account) -> None:
    with recorded_dynamodb_calls() as calls:
        response = api.patch(f"/api/admin/users/{buyer.user_id}", {"is_staff": True}, token=root.token)
    assert response.status_code == 200
    # Authentication, the user by id (index, then the item itself), the
    # transaction, and a consistent re-read for the answer.
    assert calls.counts == {"GetItem": 3, "Query": 1, "TransactWriteItems": 1}


def test_a_patch_that_changes_nothing_writes_nothing(api: Api, root: Account, buyer: Account) -> None:
    with recorded_dynamodb_calls() as calls:
        response = api.patch(
            f"/api/admin/users/{buyer.user_id}", {"is_active": True, "permissions": [ADD_ORDER]}, token=root.token
        )
    assert response.status_code == 200
    assert response.json_body == expected_user(buyer)
    assert calls.writes == 0
    assert audit_entries() == []


# Orders


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


def test_the_status_index_follows_once_the_stream_handler_has_synced(
    api: Api, root: Account, statuses: dict[str, int]
) -> None:
    # Ticket changes move the counts; until the stream handler syncs the stored
    # status, the index still files those orders under PENDING.
    assert admin_ids(api, root.token, status="COMPLETED") == []
    assert admin_ids(api, root.token, status="PENDING") == [
        statuses["PROCESSING"],
        statuses["COMPLETED"],
        statuses["PENDING"],
    ]
    # A cancellation writes the stored status itself.
    assert admin_ids(api, root.token, status="CANCELLED") == [statuses["CANCELLED"]]


def test_order_list_filters_by_status(api: Api, root: Account, statuses: dict[str, int]) -> None:
    sync_status(*statuses.values())
    for status, order_id in statuses.items():
        response = api.get(query("/api/admin/orders", status=status), token=root.token)
        assert response.status_code == 200
        assert [(order["order_id"], order["status"]) for order in response.json_body["results"]] == [(order_id, status)]
    assert admin_ids(api, root.token) == sorted(statuses.values(), reverse=True)


def test_stored_status_sync_writes_only_when_the_status_moved(root: Account, statuses: dict[str, int]) -> None:
    assert stored_status_sync(order=stored_order(statuses["COMPLETED"])) is True
    assert stored_status_sync(order=stored_order(statuses["COMPLETED"])) is False
    assert stored_status_sync(order=stored_order(statuses["PENDING"])) is False
    assert stored_order(statuses["COMPLETED"]).status == "COMPLETED"


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
    code = public_detail(api, shop.alice, dated.ids[1])["tickets"][0]["code"]
    api.post(f"/api/admin/tickets/{code}/status", {"status": "DONE"}, token=root.token)
    sync_status(*dated.ids)
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
    # Like the listing, the search filters on the stored status, which the
    # stream handler keeps up to date.
    assert admin_ids(api, root.token, q="john doe", status="COMPLETED") == []
    sync_status(*statuses.values())
    for status, order_id in statuses.items():
        assert admin_ids(api, root.token, q="john doe", status=status) == [order_id]
    assert search(api, root.token, "john doe") == sorted(statuses.values())


def test_owner_search_honours_the_status_filter(api: Api, root: Account, shop: Shop, statuses: dict[str, int]) -> None:
    sync_status(*statuses.values())
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
        code = public_detail(api, shop.alice, dated.ids[index])["tickets"][0]["code"]
        assert change_ticket(api, root.token, code, "DONE").status_code == 200
    sync_status(*dated.ids)
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


# Tickets


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


def change_ticket(api: Api, token: str, code: str, status: str):
    return api.post(f"/api/admin/tickets/{code}/status", {"status": status}, token=token)


def test_admin_status_change_goes_through_the_status_service(api: Api, root: Account, shop: Shop) -> None:
    order = create_order(api, shop.alice, tickets=2)
    first, second = (ticket["code"] for ticket in order["tickets"])

    response = change_ticket(api, root.token, first, "DONE")

    assert response.status_code == 200
    assert response.json_body == {"code": first, "status": "DONE", "outcome": "applied"}
    detail = public_detail(api, shop.alice, order["order_id"])
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
    detail = public_detail(api, shop.alice, order["order_id"])
    assert detail["status"] == "COMPLETED"
    assert ticket_counts(stored_order(order["order_id"]))[TicketStatus.DONE] == 2


def test_admin_status_changes_build_the_history_in_order(api: Api, root: Account, shop: Shop) -> None:
    order = create_order(api, shop.alice)
    code = order["tickets"][0]["code"]
    for status in ("IN_PROGRESS", "ERROR", "DONE"):
        assert change_ticket(api, root.token, code, status).json_body["outcome"] == "applied"
    history = public_detail(api, shop.alice, order["order_id"])["tickets"][0]["history"]
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
    detail = public_detail(api, shop.alice, order["order_id"])
    assert (detail["status"], detail["tickets"][0]["history"]) == ("PENDING", [])


def test_admin_status_change_is_one_query_and_one_transaction(api: Api, root: Account, shop: Shop) -> None:
    code = create_order(api, shop.alice)["tickets"][0]["code"]
    with recorded_dynamodb_calls() as calls:
        assert change_ticket(api, root.token, code, "DONE").status_code == 200
    assert calls.counts == {"GetItem": 1, "Query": 1, "TransactWriteItems": 1}


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
    assert public_detail(api, shop.alice, order["order_id"])["tickets"][0]["status"] == "NEW"


# The audit trail


def audit(api: Api, token: str, **params: object) -> list[dict]:
    response = api.get(query("/api/admin/audit", **params), token=token)
    assert response.status_code == 200, response.json_body
    return response.json_body["results"]


def account_state(email: str, **overrides: object) -> dict:
    return {
        "email": email,
        "is_active": True,
        "is_staff": False,
        "is_superuser": False,
        "permissions": ["orders.add_order"],
        **overrides,
    }


def test_a_user_change_is_audited_with_before_and_after(api: Api, root: Account, buyer: Account) -> None:
    started = datetime.now(UTC)
    api.patch(f"/api/admin/users/{buyer.user_id}", {"permissions": [ADD_ORDER, VIEW_ORDER]}, token=root.token)
    finished = datetime.now(UTC)

    (entry,) = audit(api, root.token)

    assert started <= datetime.fromisoformat(entry.pop("at")) <= finished
    assert entry == {
        "actor_email": ROOT,
        "action": "user.change",
        "target_type": "user",
        "target_id": buyer.user_id,
        "before": account_state(BUYER),
        "after": account_state(BUYER, permissions=["orders.add_order", "orders.view_order"]),
    }


def test_audit_entries_are_newest_first(api: Api, root: Account, buyer: Account) -> None:
    manager = make_account("manager@example.com", staff=True, permissions={CHANGE_USER})
    api.patch(f"/api/admin/users/{buyer.user_id}", {"is_staff": True}, token=root.token)
    api.patch(f"/api/admin/users/{buyer.user_id}", {"is_active": False}, token=manager.token)

    entries = audit(api, root.token)

    assert [(entry["actor_email"], entry["before"], entry["after"]) for entry in entries] == [
        (
            "manager@example.com",
            account_state(BUYER, is_staff=True),
            account_state(BUYER, is_staff=True, is_active=False),
        ),
        (ROOT, account_state(BUYER), account_state(BUYER, is_staff=True)),
    ]
    assert datetime.fromisoformat(entries[0]["at"]) > datetime.fromisoformat(entries[1]["at"])


def test_any_staff_member_with_view_user_reads_the_same_audit_trail(api: Api, root: Account, buyer: Account) -> None:
    api.patch(f"/api/admin/users/{buyer.user_id}", {"is_staff": True}, token=root.token)
    staff = make_account("staff@example.com", staff=True, permissions={VIEW_USER})
    entries = audit(api, staff.token)
    assert len(entries) == 1
    assert entries == audit(api, root.token)


@pytest.mark.parametrize(
    "permissions", [set(), ALL_PERMISSIONS - {VIEW_USER}], ids=["no-permission", "all-but-view-user"]
)
def test_the_audit_trail_needs_view_user(api: Api, root: Account, buyer: Account, permissions: set[str]) -> None:
    api.patch(f"/api/admin/users/{buyer.user_id}", {"is_staff": True}, token=root.token)
    staff = make_account("staff@example.com", staff=True, permissions=permissions)
    response = api.get("/api/admin/audit", token=staff.token)
    assert response.status_code == 403
    assert response.json_body == denied(VIEW_USER)


def test_an_audit_cursor_is_useless_once_view_user_is_revoked(api: Api, root: Account, buyer: Account) -> None:
    for n in range(3):
        api.patch(f"/api/admin/users/{buyer.user_id}", {"is_staff": n % 2 == 0}, token=root.token)
    staff = make_account("staff@example.com", staff=True, permissions={VIEW_USER})
    cursor = api.get("/api/admin/audit?limit=1", token=staff.token).json_body["next_cursor"]
    assert cursor is not None
    stored_user("staff@example.com").update(actions=[UserRecord.permissions.remove()])
    response = api.get(query("/api/admin/audit", limit=1, cursor=cursor), token=staff.token)
    assert response.status_code == 403
    assert response.json_body == denied(VIEW_USER)


def test_a_ticket_status_change_is_audited(api: Api, root: Account, shop: Shop) -> None:
    code = create_order(api, shop.alice)["tickets"][0]["code"]
    api.patch(f"/api/admin/users/{shop.bob.user_id}", {"is_staff": True}, token=root.token)
    started = datetime.now(UTC)
    assert change_ticket(api, root.token, code, "DONE").status_code == 200
    finished = datetime.now(UTC)

    entries = audit(api, root.token)

    assert [entry["target_type"] for entry in entries] == ["ticket", "user"]
    ticket_entry = entries[0]
    assert started <= datetime.fromisoformat(ticket_entry.pop("at")) <= finished
    assert ticket_entry == {
        "actor_email": ROOT,
        "action": "ticket.change_status",
        "target_type": "ticket",
        "target_id": code,
        "before": {"status": "NEW"},
        "after": {"status": "DONE"},
    }


def test_each_ticket_status_change_is_audited_by_its_actor(api: Api, root: Account, shop: Shop) -> None:
    code = create_order(api, shop.alice)["tickets"][0]["code"]
    operator = make_account("operator@example.com", staff=True, permissions={CHANGE_TICKET})
    assert change_ticket(api, root.token, code, "IN_PROGRESS").status_code == 200
    assert change_ticket(api, operator.token, code, "DONE").status_code == 200

    entries = audit(api, root.token)

    assert [(entry["actor_email"], entry["before"], entry["after"]) for entry in entries] == [
        ("operator@example.com", {"status": "IN_PROGRESS"}, {"status": "DONE"}),
        (ROOT, {"status": "NEW"}, {"status": "IN_PROGRESS"}),
    ]
    assert {entry["action"] for entry in entries} == {"ticket.change_status"}


def test_status_reports_from_outside_the_admin_are_not_audited(api: Api, root: Account, shop: Shop) -> None:
    code = create_order(api, shop.alice)["tickets"][0]["code"]
    response = api.post(f"/api/orders/tickets/{code}/update-status/", {"status": "DONE"})
    assert response.status_code == 200
    assert audit_entries() == []


@pytest.mark.usefixtures("no_backoff_sleep")
def test_a_ticket_change_that_cannot_be_written_leaves_no_audit_entry(api: Api, root: Account, shop: Shop) -> None:
    order = create_order(api, shop.alice)
    code = order["tickets"][0]["code"]
    throttled = Fault("dynamodb", "TransactWriteItems", *THROTTLED, times=MAX_RETRY_ATTEMPTS + 1)
    with faults(throttled):
        response = change_ticket(api, root.token, code, "DONE")
    assert response.status_code == 503
    assert audit_entries() == []
    assert public_detail(api, shop.alice, order["order_id"])["tickets"][0]["status"] == "NEW"


def test_a_ticket_change_retried_after_a_conflict_is_audited_once(api: Api, root: Account, shop: Shop) -> None:
    order = create_order(api, shop.alice)
    code = order["tickets"][0]["code"]
    # The ticket, the order's counts, the history entry and the audit entry.
    reasons = [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}] + [
        {"Code": "None"}
    ] * 3
    conflict = Fault(
        "dynamodb", "TransactWriteItems", "TransactionCanceledException", "Transaction cancelled", 1, reasons
    )
    with faults(conflict) as (fault,):
        response = change_ticket(api, root.token, code, "DONE")
    assert fault.sent == 1
    assert response.status_code == 200
    (entry,) = audit_entries()
    assert (entry.action, entry.target_id, entry.before, entry.after) == (
        "ticket.change_status",
        code,
        '{"status": "NEW"}',
        '{"status": "DONE"}',
    )
    assert len(public_detail(api, shop.alice, order["order_id"])["tickets"][0]["history"]) == 1


def test_audit_pages_walk_every_entry_once_newest_first(api: Api, root: Account, buyer: Account) -> None:
    for n in range(5):
        api.patch(f"/api/admin/users/{buyer.user_id}", {"is_staff": n % 2 == 0}, token=root.token)
    everything = audit(api, root.token)
    assert len(everything) == 5

    pages = walk(api, root.token, "/api/admin/audit", limit=2)

    assert [len(page) for page in pages] == [2, 2, 1]
    assert [entry for page in pages for entry in page] == everything
    assert [entry["after"]["is_staff"] for entry in everything] == [True, False, True, False, True]


def test_audit_page_of_exactly_all_entries_has_no_next_cursor(api: Api, root: Account, buyer: Account) -> None:
    for n in range(2):
        api.patch(f"/api/admin/users/{buyer.user_id}", {"is_staff": n % 2 == 0}, token=root.token)
    response = api.get("/api/admin/audit?limit=2", token=root.token)
    assert len(response.json_body["results"]) == 2
    assert response.json_body["next_cursor"] is None


def test_audit_rejects_a_tampered_cursor(api: Api, root: Account, buyer: Account) -> None:
    for n in range(3):
        api.patch(f"/api/admin/users/{buyer.user_id}", {"is_staff": n % 2 == 0}, token=root.token)
    cursor = api.get("/api/admin/audit?limit=1", token=root.token).json_body["next_cursor"]
    response = api.get(query("/api/admin/audit", cursor=flip_character(cursor, 25)), token=root.token)
    assert response.status_code == 400
    assert response.json_body == INVALID_CURSOR


def test_refused_changes_write_no_audit_entry(api: Api, root: Account, buyer: Account) -> None:
    code = create_order(api, buyer)["tickets"][0]["code"]
    manager = make_account("manager@example.com", staff=True, permissions=ALL_PERMISSIONS - {CHANGE_TICKET})
    viewer = make_account("viewer@example.com", staff=True, permissions={VIEW_USER, VIEW_ORDER})
    user_path = f"/api/admin/users/{buyer.user_id}"
    attempts = [
        (api.patch(f"/api/admin/users/{root.user_id}", {"is_active": False}, token=root.token), 403),
        (api.patch(user_path, {"is_superuser": True}, token=manager.token), 403),
        (api.patch(f"/api/admin/users/{root.user_id}", {"is_staff": False}, token=manager.token), 403),
        (api.patch(user_path, {"is_staff": True}, token=viewer.token), 403),
        (api.patch(user_path, {"is_staff": True}, token=buyer.token), 403),
        (api.patch(user_path, {"permissions": ["orders.delete_order"]}, token=root.token), 400),
        (api.patch(user_path, {"is_staff": "perhaps"}, token=root.token), 400),
        (api.patch(f"/api/admin/users/{uuid.uuid4().hex}", {"is_staff": True}, token=root.token), 404),
        (api.patch(user_path, {}, token=root.token), 200),
        (change_ticket(api, manager.token, code, "DONE"), 403),
        (change_ticket(api, root.token, code, "FINISHED"), 400),
        (change_ticket(api, root.token, str(uuid.uuid4()), "DONE"), 404),
    ]
    assert [response.status_code for response, _ in attempts] == [status for _, status in attempts]
    assert audit_entries() == []
    assert audit(api, root.token) == []
    assert stored_user(BUYER).is_staff is False


# What each listing costs


@pytest.fixture
def three_pending(api: Api, shop: Shop) -> list[int]:
    return [create_order(api, shop.alice, customer_name=f"Pat {n}")["order_id"] for n in range(3)]


@pytest.mark.usefixtures("three_pending")
def test_listing_by_status_is_one_index_query_when_the_month_fills_the_page(api: Api, root: Account) -> None:
    with recorded_dynamodb_calls() as calls:
        response = api.get("/api/admin/orders?status=PENDING&limit=2", token=root.token)
    assert len(response.json_body["results"]) == 2
    assert calls.counts == {"GetItem": 1, "Query": 1}


@pytest.mark.usefixtures("three_pending")
@pytest.mark.parametrize("params", [{"status": "COMPLETED"}, {}], ids=["status", "all"])
def test_listing_queries_one_index_partition_per_month_and_never_scans(api: Api, root: Account, params: dict) -> None:
    with recorded_dynamodb_calls() as calls:
        assert api.get(query("/api/admin/orders", **params), token=root.token).status_code == 200
    assert calls.counts == {"GetItem": 1, "Query": months_since_first()}


@pytest.mark.usefixtures("three_pending")
def test_listing_by_date_queries_only_the_months_in_range(api: Api, root: Account) -> None:
    today = datetime.now(UTC).date().isoformat()
    with recorded_dynamodb_calls() as calls:
        assert len(admin_ids(api, root.token, created_from=today, status="PENDING")) == 3
    assert calls.counts == {"GetItem": 1, "Query": 1}


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
    assert calls.counts == {"GetItem": 1, "Query": months_since_first()}


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
    assert calls.counts == {"GetItem": 1, "Query": 1}


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
    assert calls.counts == {"GetItem": 2, "Query": 1}


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
    assert calls.counts == {"GetItem": 1, "Query": months_since_first()}


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
