"""The permission rules as plain Python (no AWS), and DEFAULT_PERMISSIONS in the settings."""

import typing

import pytest

from chalicelib.admin.schemas import PermissionName
from chalicelib.config import DEFAULT_PERMISSIONS, ConfigurationError
from chalicelib.errors import PermissionDenied
from chalicelib.runtime import load_settings
from chalicelib.users.permissions import (
    ADD_ORDER,
    ALL_PERMISSIONS,
    CHANGE_TICKET,
    CHANGE_USER,
    PERMISSION_DESCRIPTIONS,
    VIEW_ORDER,
    VIEW_USER,
    Principal,
    check_user_change,
    has_permission,
    require_permission,
    require_staff,
)

# The seed's, and one of ours named the same way (app label, codename).
DJANGO_NAMES = {
    "orders.add_order",
    "orders.view_order",
    "orders.change_ticket",
    "users.view_user",
    "users.change_user",
    "integrators.change_integrator",
}
ORDERED_PERMISSIONS = sorted(ALL_PERMISSIONS)
STAFF_ONLY = "Only staff members may use the admin."
SUPERUSER_ONLY = "Only a superuser may grant or revoke superuser status."
SUPERUSER_ACCOUNT = "Only a superuser may change a superuser's account."
NO_SELF_DEACTIVATION = "You cannot deactivate your own account."


def principal(
    *,
    user_id: str = "u-1",
    active: bool = True,
    staff: bool = False,
    superuser: bool = False,
    permissions: frozenset[str] | set[str] = frozenset(),
) -> Principal:
    return Principal(
        user_id=user_id,
        email=f"{user_id}@example.com",
        is_active=active,
        is_staff=staff,
        is_superuser=superuser,
        permissions=frozenset(permissions),
    )


def denial(permission: str) -> str:
    return f"You do not have permission to perform this action ({permission})."


# The names


def test_permission_names_are_djangos() -> None:
    assert (ADD_ORDER, VIEW_ORDER, CHANGE_TICKET, VIEW_USER, CHANGE_USER) == (
        "orders.add_order",
        "orders.view_order",
        "orders.change_ticket",
        "users.view_user",
        "users.change_user",
    )
    assert ALL_PERMISSIONS == DJANGO_NAMES


def test_every_permission_has_a_description() -> None:
    assert set(PERMISSION_DESCRIPTIONS) == ALL_PERMISSIONS
    assert all(description.strip() for description in PERMISSION_DESCRIPTIONS.values())


def test_the_admin_accepts_exactly_the_known_permission_names() -> None:
    assert set(typing.get_args(PermissionName)) == ALL_PERMISSIONS


def test_the_default_permission_is_add_order() -> None:
    assert DEFAULT_PERMISSIONS == ADD_ORDER


# has_permission


@pytest.mark.parametrize("permission", ORDERED_PERMISSIONS)
def test_superuser_has_every_permission_without_holding_it(permission: str) -> None:
    assert has_permission(principal(superuser=True), permission) is True


def test_superuser_has_even_a_permission_that_is_not_listed() -> None:
    assert has_permission(principal(superuser=True), "orders.delete_order") is True


@pytest.mark.parametrize("permission", ORDERED_PERMISSIONS)
def test_inactive_superuser_has_no_permission(permission: str) -> None:
    inactive = principal(active=False, staff=True, superuser=True, permissions=ALL_PERMISSIONS)
    assert has_permission(inactive, permission) is False


@pytest.mark.parametrize("permission", ORDERED_PERMISSIONS)
def test_inactive_user_loses_a_permission_it_holds(permission: str) -> None:
    assert has_permission(principal(active=False, permissions={permission}), permission) is False


@pytest.mark.parametrize("granted", ORDERED_PERMISSIONS)
def test_plain_user_has_only_the_permissions_granted(granted: str) -> None:
    user = principal(permissions={granted})
    assert {permission for permission in ALL_PERMISSIONS if has_permission(user, permission)} == {granted}


def test_plain_user_without_permissions_has_none() -> None:
    assert not any(has_permission(principal(), permission) for permission in ALL_PERMISSIONS)


def test_staff_status_grants_no_permission() -> None:
    assert not any(has_permission(principal(staff=True), permission) for permission in ALL_PERMISSIONS)


def test_permission_names_are_matched_exactly() -> None:
    user = principal(permissions={ADD_ORDER})
    assert has_permission(user, "Orders.Add_Order") is False
    assert has_permission(user, "orders.add_orde") is False
    assert has_permission(user, "add_order") is False


# require_permission and require_staff


@pytest.mark.parametrize("permission", ORDERED_PERMISSIONS)
def test_require_permission_names_the_missing_permission(permission: str) -> None:
    others = ALL_PERMISSIONS - {permission}
    with pytest.raises(PermissionDenied) as raised:
        require_permission(principal(staff=True, permissions=others), permission)
    assert raised.value.detail == denial(permission)
    assert str(raised.value) == denial(permission)


def test_require_permission_passes_silently_when_granted() -> None:
    assert require_permission(principal(permissions={VIEW_ORDER}), VIEW_ORDER) is None


def test_require_permission_passes_for_a_superuser() -> None:
    assert require_permission(principal(superuser=True), CHANGE_USER) is None


def test_require_permission_refuses_an_inactive_superuser() -> None:
    with pytest.raises(PermissionDenied, match=r"\(users\.change_user\)\.$"):
        require_permission(principal(active=False, superuser=True), CHANGE_USER)


def test_require_staff_passes_for_active_staff() -> None:
    assert require_staff(principal(staff=True)) is None


@pytest.mark.parametrize(
    "who",
    [
        principal(),
        principal(permissions=ALL_PERMISSIONS),
        principal(superuser=True),
        principal(active=False, staff=True),
        principal(active=False, staff=True, superuser=True),
    ],
    ids=["plain", "all-permissions", "superuser-not-staff", "inactive-staff", "inactive-superuser"],
)
def test_require_staff_refuses_anyone_but_active_staff(who: Principal) -> None:
    with pytest.raises(PermissionDenied) as raised:
        require_staff(who)
    assert raised.value.detail == STAFF_ONLY


# check_user_change

ACTOR = "actor"
TARGET = "target"


@pytest.mark.parametrize(
    "changes",
    [{}, {"is_active": True}, {"is_staff": True}, {"permissions": [ADD_ORDER]}],
    ids=["nothing", "activate", "staff", "permissions"],
)
def test_changing_a_user_needs_change_user(changes: dict) -> None:
    actor = principal(user_id=ACTOR, staff=True, permissions=ALL_PERMISSIONS - {CHANGE_USER})
    with pytest.raises(PermissionDenied) as raised:
        check_user_change(actor, target_user_id=TARGET, target_is_superuser=False, changes=changes)
    assert raised.value.detail == denial(CHANGE_USER)


@pytest.mark.parametrize(
    "changes",
    [
        {"is_active": False},
        {"is_active": True},
        {"is_staff": True},
        {"is_staff": False},
        {"permissions": sorted(ALL_PERMISSIONS)},
        {"permissions": []},
        {"is_active": False, "is_staff": True, "permissions": [VIEW_USER]},
    ],
)
def test_change_user_allows_flags_and_permissions_of_another_user(changes: dict) -> None:
    actor = principal(user_id=ACTOR, staff=True, permissions={CHANGE_USER})
    assert check_user_change(actor, target_user_id=TARGET, target_is_superuser=False, changes=changes) is None


@pytest.mark.parametrize("value", [True, False])
def test_only_a_superuser_may_change_superuser_status(value: bool) -> None:
    actor = principal(user_id=ACTOR, staff=True, permissions=ALL_PERMISSIONS)
    with pytest.raises(PermissionDenied) as raised:
        check_user_change(actor, target_user_id=TARGET, target_is_superuser=False, changes={"is_superuser": value})
    assert raised.value.detail == SUPERUSER_ONLY


@pytest.mark.parametrize("value", [True, False])
def test_a_superuser_may_change_superuser_status(value: bool) -> None:
    actor = principal(user_id=ACTOR, staff=True, superuser=True)
    assert (
        check_user_change(actor, target_user_id=TARGET, target_is_superuser=False, changes={"is_superuser": value})
        is None
    )


def test_superuser_status_of_oneself_is_also_superuser_only() -> None:
    actor = principal(user_id=ACTOR, staff=True, permissions={CHANGE_USER})
    with pytest.raises(PermissionDenied, match=SUPERUSER_ONLY):
        check_user_change(actor, target_user_id=ACTOR, target_is_superuser=False, changes={"is_superuser": True})


@pytest.mark.parametrize(
    "actor",
    [
        principal(user_id=ACTOR, staff=True, permissions={CHANGE_USER}),
        principal(user_id=ACTOR, staff=True, superuser=True),
    ],
    ids=["change-user", "superuser"],
)
def test_nobody_may_deactivate_their_own_account(actor: Principal) -> None:
    with pytest.raises(PermissionDenied) as raised:
        check_user_change(
            actor,
            target_user_id=ACTOR,
            target_is_superuser=actor.is_superuser,
            changes={"is_active": False, "is_staff": True},
        )
    assert raised.value.detail == NO_SELF_DEACTIVATION


@pytest.mark.parametrize(
    "changes",
    [{"is_active": True}, {"is_staff": False}, {"permissions": []}],
    ids=["stay-active", "drop-staff", "drop-permissions"],
)
def test_other_changes_to_oneself_are_allowed(changes: dict) -> None:
    actor = principal(user_id=ACTOR, staff=True, permissions={CHANGE_USER})
    assert check_user_change(actor, target_user_id=ACTOR, target_is_superuser=False, changes=changes) is None


def test_missing_change_user_is_reported_before_the_other_rules() -> None:
    actor = principal(user_id=ACTOR, staff=True)
    with pytest.raises(PermissionDenied) as raised:
        check_user_change(
            actor, target_user_id=ACTOR, target_is_superuser=False, changes={"is_active": False, "is_superuser": True}
        )
    assert raised.value.detail == denial(CHANGE_USER)


def test_an_inactive_actor_may_change_nobody() -> None:
    actor = principal(user_id=ACTOR, active=False, staff=True, superuser=True)
    with pytest.raises(PermissionDenied, match=r"\(users\.change_user\)"):
        check_user_change(actor, target_user_id=TARGET, target_is_superuser=False, changes={"is_staff": True})


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"is_active": False},
        {"is_active": True},
        {"is_staff": False},
        {"permissions": []},
        {"permissions": sorted(ALL_PERMISSIONS)},
    ],
    ids=["nothing", "deactivate", "activate", "drop-staff", "drop-permissions", "all-permissions"],
)
def test_a_non_superuser_may_not_change_a_superusers_account(changes: dict) -> None:
    actor = principal(user_id=ACTOR, staff=True, permissions=ALL_PERMISSIONS)
    with pytest.raises(PermissionDenied) as raised:
        check_user_change(actor, target_user_id=TARGET, target_is_superuser=True, changes=changes)
    assert raised.value.detail == SUPERUSER_ACCOUNT


@pytest.mark.parametrize(
    "changes",
    [{"is_active": False}, {"is_staff": False}, {"permissions": []}, {"is_superuser": False}],
    ids=["deactivate", "drop-staff", "drop-permissions", "revoke-superuser"],
)
def test_a_superuser_may_change_another_superusers_account(changes: dict) -> None:
    actor = principal(user_id=ACTOR, staff=True, superuser=True)
    assert check_user_change(actor, target_user_id=TARGET, target_is_superuser=True, changes=changes) is None


@pytest.mark.parametrize("value", [True, False])
def test_superuser_status_of_a_superuser_is_refused_with_the_status_rule(value: bool) -> None:
    # Both rules apply; the one about the superuser flag is the one reported.
    actor = principal(user_id=ACTOR, staff=True, permissions=ALL_PERMISSIONS)
    with pytest.raises(PermissionDenied) as raised:
        check_user_change(actor, target_user_id=TARGET, target_is_superuser=True, changes={"is_superuser": value})
    assert raised.value.detail == SUPERUSER_ONLY


def test_missing_change_user_is_reported_before_the_superuser_account_rule() -> None:
    actor = principal(user_id=ACTOR, staff=True, permissions=ALL_PERMISSIONS - {CHANGE_USER})
    with pytest.raises(PermissionDenied) as raised:
        check_user_change(actor, target_user_id=TARGET, target_is_superuser=True, changes={"is_staff": False})
    assert raised.value.detail == denial(CHANGE_USER)


def test_an_inactive_superuser_may_not_change_a_superuser() -> None:
    actor = principal(user_id=ACTOR, active=False, staff=True, superuser=True)
    with pytest.raises(PermissionDenied, match=r"\(users\.change_user\)"):
        check_user_change(actor, target_user_id=TARGET, target_is_superuser=True, changes={"is_staff": True})


# DEFAULT_PERMISSIONS in the settings

BASE_ENV = {"CATALYST_STAGE": "local"}


def test_default_permissions_default_to_add_order() -> None:
    assert load_settings(BASE_ENV).default_permissions == frozenset({ADD_ORDER})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("orders.view_order", {VIEW_ORDER}),
        ("orders.add_order,orders.view_order", {ADD_ORDER, VIEW_ORDER}),
        (" orders.add_order , users.view_user ,", {ADD_ORDER, VIEW_USER}),
        ("orders.add_order,orders.add_order", {ADD_ORDER}),
        (",".join(ORDERED_PERMISSIONS), set(ALL_PERMISSIONS)),
    ],
    ids=["one", "two", "spaces-and-trailing-comma", "duplicate", "all"],
)
def test_default_permissions_are_a_comma_separated_list(raw: str, expected: set[str]) -> None:
    settings = load_settings({**BASE_ENV, "DEFAULT_PERMISSIONS": raw})
    assert settings.default_permissions == frozenset(expected)


@pytest.mark.parametrize("raw", ["", " ", " , ,"])
def test_empty_default_permissions_means_none(raw: str) -> None:
    assert load_settings({**BASE_ENV, "DEFAULT_PERMISSIONS": raw}).default_permissions == frozenset()


def test_unknown_default_permission_is_refused_by_name() -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_settings({**BASE_ENV, "DEFAULT_PERMISSIONS": "orders.add_order,orders.delete_order"})
    assert str(raised.value) == (
        "Catalyst cannot start: DEFAULT_PERMISSIONS names unknown permissions: orders.delete_order"
    )


def test_every_unknown_default_permission_is_named_in_order() -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_settings({**BASE_ENV, "DEFAULT_PERMISSIONS": "zeta.thing, Orders.Add_Order ,alpha.thing"})
    assert str(raised.value).endswith("unknown permissions: Orders.Add_Order, alpha.thing, zeta.thing")


def test_unknown_default_permission_is_reported_with_other_problems() -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_settings({"CATALYST_STAGE": "local", "LOG_LEVEL": "LOUD", "DEFAULT_PERMISSIONS": "admin.all"})
    message = str(raised.value)
    assert "DEFAULT_PERMISSIONS names unknown permissions: admin.all" in message
    assert "LOG_LEVEL" in message


def test_default_permissions_are_frozen() -> None:
    settings = load_settings({**BASE_ENV, "DEFAULT_PERMISSIONS": "orders.add_order"})
    assert isinstance(settings.default_permissions, frozenset)
