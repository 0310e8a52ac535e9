"""Who may call what in the admin API, and what it says to those who may not."""

from dataclasses import dataclass

import pytest

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
from tests.unit.admin.conftest import (
    NOT_PROVIDED,
    ROOT,
    STAFF_ONLY,
    Account,
    audit_entries,
    create_order,
    denied,
    make_account,
    stored_user,
)
from tests.unit.conftest import Api


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
    assert api.order_detail(world.buyer.token, world.order_id)["tickets"][0]["status"] == "NEW"
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
        "can": {
            "view_users": True,
            "change_users": False,
            "view_orders": True,
            "change_tickets": False,
            "manage_integrators": False,
        },
        "order_statuses": [
            {"code": "PENDING", "label": "Pending"},
            {"code": "PROCESSING", "label": "Processing"},
            {"code": "COMPLETED", "label": "Completed"},
            {"code": "CANCELLED", "label": "Cancelled"},
        ],
        "ticket_statuses": [
            {"code": "NEW", "label": "New"},
            {"code": "IN_PROGRESS", "label": "In progress"},
            {"code": "DONE", "label": "Done"},
            {"code": "ERROR", "label": "Error"},
        ],
    }


def test_me_of_a_superuser(api: Api, root: Account) -> None:
    body = api.get("/api/admin/me", token=root.token).json_body
    assert (body["email"], body["is_superuser"], body["permissions"]) == (ROOT, True, sorted(ALL_PERMISSIONS))
    assert body["can"] == {
        "view_users": True,
        "change_users": True,
        "view_orders": True,
        "change_tickets": True,
        "manage_integrators": True,
    }
