"""Who may do what, as plain Python. Django's permission names are kept,
since the seed's administrators know them."""

from dataclasses import dataclass

from chalicelib.errors import PermissionDenied

ADD_ORDER = "orders.add_order"
VIEW_ORDER = "orders.view_order"
CHANGE_TICKET = "orders.change_ticket"
VIEW_USER = "users.view_user"
CHANGE_USER = "users.change_user"
CHANGE_INTEGRATOR = "integrators.change_integrator"

PERMISSION_DESCRIPTIONS = {
    ADD_ORDER: "Create orders",
    VIEW_ORDER: "See every order, not only one's own",
    CHANGE_TICKET: "Set ticket statuses as staff",
    VIEW_USER: "See users",
    CHANGE_USER: "Manage users and their permissions",
    CHANGE_INTEGRATOR: "See integrators' signing keys and revoke them",
}
ALL_PERMISSIONS = frozenset(PERMISSION_DESCRIPTIONS)


@dataclass(frozen=True)
class Principal:
    """The caller, as far as permission checks are concerned."""

    user_id: str
    email: str
    is_active: bool
    is_staff: bool
    is_superuser: bool
    permissions: frozenset[str]


def has_permission(principal: Principal, permission: str) -> bool:
    """A superuser holds every permission; an inactive user holds none."""
    return principal.is_active and (principal.is_superuser or permission in principal.permissions)


def require_permission(principal: Principal, permission: str) -> None:
    if not has_permission(principal, permission):
        raise PermissionDenied(f"You do not have permission to perform this action ({permission}).")


def require_staff(principal: Principal) -> None:
    """The admin is for active staff, as in Django (a superuser needs is_staff too)."""
    if not (principal.is_active and principal.is_staff):
        raise PermissionDenied("Only staff members may use the admin.")


def check_user_change(
    actor: Principal, *, target_user_id: str, target_is_superuser: bool, changes: dict[str, object]
) -> None:
    """Rules for changing an account, on top of users.change_user."""
    require_permission(actor, CHANGE_USER)
    if "is_superuser" in changes and not actor.is_superuser:
        raise PermissionDenied("Only a superuser may grant or revoke superuser status.")
    if target_is_superuser and not actor.is_superuser:
        raise PermissionDenied("Only a superuser may change a superuser's account.")
    if target_user_id == actor.user_id and changes.get("is_active") is False:
        raise PermissionDenied("You cannot deactivate your own account.")
