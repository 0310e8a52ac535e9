"""The admin's users: listing, search, detail and changes."""

import base64
import uuid

import pytest

from chalicelib.users.permissions import (
    ADD_ORDER,
    ALL_PERMISSIONS,
    CHANGE_USER,
    VIEW_ORDER,
    VIEW_USER,
)
from tests.support.aws_calls import recorded_dynamodb_calls
from tests.unit.admin.conftest import (
    BUYER,
    INVALID_CURSOR,
    NO_SELF_DEACTIVATION,
    NO_USER,
    ROOT,
    SUPERUSER_ACCOUNT,
    SUPERUSER_ONLY,
    USER_EMAILS,
    USER_FIELDS,
    Account,
    audit_entries,
    denied,
    flip_character,
    make_account,
    query,
    stored_user,
    walk,
)
from tests.unit.conftest import Api


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
