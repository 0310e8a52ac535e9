"""Permissions enforced through the API: defaults, revocation on the next
request, deactivation and password changes ending old tokens, and the cost
of authentication."""

import jwt
import pytest

from chalicelib.admin.services import user_change_by_admin
from chalicelib.orders.models import OrdersTableItem
from chalicelib.users.models import UserRecord, principal_of
from chalicelib.users.permissions import ADD_ORDER, ALL_PERMISSIONS, VIEW_ORDER
from chalicelib.users.services import user_issue_token, user_register
from tests.support.accounts import EMAIL, PASSWORD
from tests.support.aws_calls import recorded_dynamodb_calls
from tests.unit.conftest import Api, Reconfigure

NEW_PASSWORD = "purple elephant umbrella"
ROOT_EMAIL = "root@example.com"
CREATE = "/api/orders/create/"
ORDERS = "/api/orders/"
CHANGE_PASSWORD_PATHS = ["/api/users/change-password/", "/api/users/change-password"]
ADD_ORDER_DENIED = {"detail": "You do not have permission to perform this action (orders.add_order)."}
INACTIVE = {"detail": "User inactive or deleted."}
INVALID_TOKEN = {"detail": "Invalid token."}
WRONG_CURRENT = {"current_password": ["Your old password was entered incorrectly."]}
ORDER_BODY = {"customer_name": "John Doe", "customer_phone": "+1234567890", "tickets": [{"product_codes": ["P-1"]}]}


def stored(email: str = EMAIL) -> UserRecord:
    return UserRecord.get(email, consistent_read=True)


def stored_orders() -> list:
    return list(OrdersTableItem.scan())


def root_token() -> str:
    return user_issue_token(user=user_register(email=ROOT_EMAIL, password=PASSWORD, superuser=True))


def ver_claim(token: str) -> int:
    return jwt.decode(token, options={"verify_signature": False})["ver"]


def login(api: Api, email: str, password: str):
    return api.post("/api/users/login/", {"email": email, "password": password})


def change_password(api: Api, token: str | None, current: str, new: str, path: str = CHANGE_PASSWORD_PATHS[0]):
    return api.post(path, {"current_password": current, "new_password": new}, token=token)


# Defaults


def test_a_new_registration_holds_exactly_add_order(api: Api) -> None:
    api.register()
    user = stored()
    assert user.permissions == {ADD_ORDER}
    assert (user.is_active, user.is_staff, user.is_superuser) == (True, False, False)


def test_a_new_registration_can_create_orders(api: Api) -> None:
    token = api.register()
    response = api.post(CREATE, ORDER_BODY, token=token)
    assert response.status_code == 201
    assert len(stored_orders()) == 2  # the order and its ticket


def test_registration_uses_the_configured_default_permissions(api: Api, reconfigure: Reconfigure) -> None:
    reconfigure(default_permissions=frozenset({ADD_ORDER, VIEW_ORDER}))
    api.register()
    assert stored().permissions == {ADD_ORDER, VIEW_ORDER}


def test_with_no_default_permissions_a_registration_cannot_create_orders(api: Api, reconfigure: Reconfigure) -> None:
    reconfigure(default_permissions=frozenset())
    token = api.register()
    assert stored().permissions == set()
    response = api.post(CREATE, ORDER_BODY, token=token)
    assert response.status_code == 403
    assert response.json_body == ADD_ORDER_DENIED
    assert stored_orders() == []


@pytest.mark.usefixtures("aws")
def test_a_superuser_holds_every_permission_and_staff_status() -> None:
    user = user_register(email=ROOT_EMAIL, password=PASSWORD, superuser=True)
    assert stored(ROOT_EMAIL).permissions == set(ALL_PERMISSIONS)
    assert (user.is_active, user.is_staff, user.is_superuser) == (True, True, True)


def test_a_superuser_without_listed_permissions_can_still_create_orders(api: Api) -> None:
    token = root_token()
    stored(ROOT_EMAIL).update(actions=[UserRecord.permissions.remove()])
    assert api.post(CREATE, ORDER_BODY, token=token).status_code == 201


# Missing add_order


def test_create_without_add_order_is_403_and_writes_nothing(api: Api) -> None:
    token = api.register()
    stored().update(actions=[UserRecord.permissions.set({VIEW_ORDER})])
    with recorded_dynamodb_calls() as calls:
        response = api.post(CREATE, ORDER_BODY, token=token)
    assert response.status_code == 403
    assert response.json_body == ADD_ORDER_DENIED
    assert calls.counts == {"GetItem": 1}
    assert stored_orders() == []
    assert api.get(ORDERS, token=token).json_body == {"results": [], "next_cursor": None}


def test_permission_is_checked_before_the_body_is_validated(api: Api) -> None:
    token = api.register()
    stored().update(actions=[UserRecord.permissions.remove()])
    response = api.post(CREATE, {"customer_name": ""}, token=token)
    assert response.status_code == 403
    assert response.json_body == ADD_ORDER_DENIED


def test_reading_ones_own_orders_needs_no_permission(api: Api) -> None:
    token = api.register()
    order_id = api.create_order(token)["order_id"]
    stored().update(actions=[UserRecord.permissions.remove()])
    assert [order["order_id"] for order in api.get(ORDERS, token=token).json_body["results"]] == [order_id]
    assert api.get(f"/api/orders/{order_id}/", token=token).status_code == 200


# Revocation


def test_revoking_add_order_in_the_admin_service_refuses_the_very_next_create(api: Api) -> None:
    token = api.register()
    api.create_order(token)
    root = principal_of(user_register(email=ROOT_EMAIL, password=PASSWORD, superuser=True))
    user_change_by_admin(actor=root, user_id=stored().user_id, changes={"permissions": []})

    response = api.post(CREATE, ORDER_BODY, token=token)

    assert response.status_code == 403
    assert response.json_body == ADD_ORDER_DENIED
    assert len(stored_orders()) == 2  # only the first order and its ticket
    assert int(stored().token_version) == 1  # no token was ended; the permission alone was


def test_revoking_add_order_on_the_record_refuses_the_very_next_create(api: Api) -> None:
    token = api.register()
    stored().update(actions=[UserRecord.permissions.delete({ADD_ORDER})])
    response = api.post(CREATE, ORDER_BODY, token=token)
    assert response.status_code == 403
    assert response.json_body == ADD_ORDER_DENIED


def test_revoking_through_the_admin_api_refuses_the_very_next_create(api: Api) -> None:
    token = api.register()
    response = api.patch(f"/api/admin/users/{stored().user_id}", {"permissions": []}, token=root_token())
    assert response.status_code == 200
    response = api.post(CREATE, ORDER_BODY, token=token)
    assert response.status_code == 403
    assert response.json_body == ADD_ORDER_DENIED


def test_granting_add_order_again_works_with_the_same_token(api: Api) -> None:
    token = api.register()
    stored().update(actions=[UserRecord.permissions.remove()])
    assert api.post(CREATE, ORDER_BODY, token=token).status_code == 403
    stored().update(actions=[UserRecord.permissions.set({ADD_ORDER})])
    assert api.post(CREATE, ORDER_BODY, token=token).status_code == 201


# Deactivation


def test_deactivation_through_the_admin_makes_the_token_401_at_once(api: Api) -> None:
    token = api.register()
    assert api.get(ORDERS, token=token).status_code == 200
    response = api.patch(f"/api/admin/users/{stored().user_id}", {"is_active": False}, token=root_token())
    assert response.status_code == 200
    assert response.json_body["is_active"] is False

    for answer in (api.get(ORDERS, token=token), api.post(CREATE, ORDER_BODY, token=token)):
        assert answer.status_code == 401
        assert answer.json_body == INACTIVE
        assert answer.headers.get("WWW-Authenticate") == 'Token realm="api"'
    assert int(stored().token_version) == 2


def test_reactivation_does_not_revive_the_old_token(api: Api) -> None:
    token = api.register()
    admin = root_token()
    user_id = stored().user_id
    assert api.patch(f"/api/admin/users/{user_id}", {"is_active": False}, token=admin).status_code == 200
    assert api.patch(f"/api/admin/users/{user_id}", {"is_active": True}, token=admin).status_code == 200

    response = api.get(ORDERS, token=token)

    assert response.status_code == 401
    assert response.json_body == INVALID_TOKEN
    assert int(stored().token_version) == 2


def test_a_reactivated_user_logs_in_with_a_new_token(api: Api) -> None:
    api.register()
    admin = root_token()
    user_id = stored().user_id
    api.patch(f"/api/admin/users/{user_id}", {"is_active": False}, token=admin)
    assert login(api, EMAIL, PASSWORD).status_code == 401
    api.patch(f"/api/admin/users/{user_id}", {"is_active": True}, token=admin)

    response = login(api, EMAIL, PASSWORD)

    assert response.status_code == 200
    assert ver_claim(response.json_body["token"]) == 2
    assert api.get(ORDERS, token=response.json_body["token"]).status_code == 200


def test_other_admin_changes_leave_tokens_working(api: Api) -> None:
    token = api.register()
    response = api.patch(
        f"/api/admin/users/{stored().user_id}", {"is_staff": True, "permissions": [VIEW_ORDER]}, token=root_token()
    )
    assert response.status_code == 200
    assert api.get(ORDERS, token=token).status_code == 200
    assert int(stored().token_version) == 1


# Changing one's password


@pytest.mark.parametrize("path", CHANGE_PASSWORD_PATHS)
def test_change_password_answers_a_new_token_and_ends_the_old_one(api: Api, path: str) -> None:
    old_token = api.register()

    response = change_password(api, old_token, PASSWORD, NEW_PASSWORD, path)

    assert response.status_code == 200
    assert set(response.json_body) == {"token"}
    new_token = response.json_body["token"]
    assert ver_claim(new_token) == 2
    old_answer = api.get(ORDERS, token=old_token)
    assert old_answer.status_code == 401
    assert old_answer.json_body == INVALID_TOKEN
    assert api.get(ORDERS, token=new_token).status_code == 200
    assert int(stored().token_version) == 2


def test_after_a_password_change_only_the_new_password_logs_in(api: Api) -> None:
    token = api.register()
    assert change_password(api, token, PASSWORD, NEW_PASSWORD).status_code == 200

    new_login = login(api, EMAIL, NEW_PASSWORD)
    old_login = login(api, EMAIL, PASSWORD)

    assert new_login.status_code == 200
    assert api.get(ORDERS, token=new_login.json_body["token"]).status_code == 200
    assert old_login.status_code == 401


def test_a_second_password_change_needs_the_new_token(api: Api) -> None:
    old_token = api.register()
    new_token = change_password(api, old_token, PASSWORD, NEW_PASSWORD).json_body["token"]

    stale = change_password(api, old_token, NEW_PASSWORD, "seven blue kangaroos")
    fresh = change_password(api, new_token, NEW_PASSWORD, "seven blue kangaroos")

    assert stale.status_code == 401
    assert fresh.status_code == 200
    assert ver_claim(fresh.json_body["token"]) == 3


@pytest.mark.parametrize("path", CHANGE_PASSWORD_PATHS)
def test_change_password_with_a_wrong_current_password_is_400(api: Api, path: str) -> None:
    token = api.register()

    response = change_password(api, token, "not the password", NEW_PASSWORD, path)

    assert response.status_code == 400
    assert response.json_body == WRONG_CURRENT
    assert api.get(ORDERS, token=token).status_code == 200
    assert int(stored().token_version) == 1
    assert login(api, EMAIL, PASSWORD).status_code == 200


@pytest.mark.parametrize(
    ("new_password", "problems"),
    [
        ("short1!", ["This password is too short. It must contain at least 8 characters."]),
        ("80417263951", ["This password is entirely numeric."]),
        ("password", ["This password is too common."]),
        ("buyer-example", ["The password is too similar to the email address."]),
        (
            "1234567",
            [
                "This password is too short. It must contain at least 8 characters.",
                "This password is entirely numeric.",
                "This password is too common.",
            ],
        ),
    ],
    ids=["short", "numeric", "common", "similar", "several"],
)
def test_change_password_to_a_weak_password_is_400(api: Api, new_password: str, problems: list[str]) -> None:
    token = api.register()

    response = change_password(api, token, PASSWORD, new_password)

    assert response.status_code == 400
    assert response.json_body == {"password": problems}
    assert api.get(ORDERS, token=token).status_code == 200
    assert login(api, EMAIL, PASSWORD).status_code == 200


def test_a_wrong_current_password_is_reported_before_a_weak_new_one(api: Api) -> None:
    token = api.register()
    response = change_password(api, token, "not the password", "short")
    assert response.status_code == 400
    assert response.json_body == WRONG_CURRENT


def test_change_password_needs_a_token(api: Api) -> None:
    api.register()
    response = change_password(api, None, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 401
    assert response.json_body == {"detail": "Authentication credentials were not provided."}
    assert login(api, EMAIL, PASSWORD).status_code == 200


def test_change_password_requires_both_fields(api: Api) -> None:
    token = api.register()
    response = api.post(CHANGE_PASSWORD_PATHS[0], {}, token=token)
    assert response.status_code == 400
    assert response.json_body == {
        "current_password": ["This field is required."],
        "new_password": ["This field is required."],
    }


def test_change_password_of_a_deactivated_user_is_401(api: Api) -> None:
    token = api.register()
    stored().update(actions=[UserRecord.is_active.set(False)])
    response = change_password(api, token, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 401
    assert response.json_body == INACTIVE


# The cost of authentication


def test_authenticating_a_list_request_is_one_get_item(api: Api) -> None:
    token = api.register()
    api.create_order(token)
    with recorded_dynamodb_calls() as calls:
        response = api.get(ORDERS, token=token)
    assert response.status_code == 200
    assert calls.counts == {"GetItem": 1, "Query": 1, "BatchGetItem": 1}


def test_a_permission_check_adds_no_read(api: Api) -> None:
    token = api.register()
    with recorded_dynamodb_calls() as calls:
        response = api.post(CREATE, ORDER_BODY, token=token)
    assert response.status_code == 201
    assert calls.counts == {"GetItem": 1, "TransactWriteItems": 1}


def test_an_admin_read_authenticates_with_one_get_item(api: Api) -> None:
    token = api.register()
    order_id = api.create_order(token)["order_id"]
    admin = root_token()
    with recorded_dynamodb_calls() as calls:
        response = api.get(f"/api/admin/orders/{order_id}", token=admin)
    assert response.status_code == 200
    assert calls.counts == {"GetItem": 1, "Query": 1}


def test_a_password_change_reads_the_user_once(api: Api) -> None:
    token = api.register()
    with recorded_dynamodb_calls() as calls:
        response = change_password(api, token, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 200
    # One read (authentication); the attempt's reservation (a put that opens
    # a window) and its clearing (a delete) come with the password's own update.
    assert calls.counts == {"GetItem": 1, "PutItem": 1, "DeleteItem": 1, "UpdateItem": 1}
    assert calls.reads == 1
