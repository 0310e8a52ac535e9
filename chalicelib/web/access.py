"""Who may call a route, declared once, on the route.

ApiBlueprint.route takes the declaration (in the route's Operation), enforces
it before the view runs and hands the view its caller; the OpenAPI document
is built from the same declaration. No view authenticates by hand.
"""

from dataclasses import dataclass

from chalicelib.users.authentication import user_from_authorization
from chalicelib.users.models import UserRecord, principal_of
from chalicelib.users.permissions import Principal, require_permission, require_staff

# The keyword under which a protected view receives its caller.
CALLER_ARGUMENT = "caller"


@dataclass(frozen=True)
class Access:
    """What a route needs: nothing, a valid token, or an active staff member's;
    with a token, optionally a permission."""

    needs_token: bool
    staff: bool = False
    permission: str | None = None


PUBLIC = Access(needs_token=False)


def token(permission: str | None = None) -> Access:
    return Access(needs_token=True, permission=permission)


def staff(permission: str | None = None) -> Access:
    return Access(needs_token=True, staff=True, permission=permission)


@dataclass(frozen=True)
class Caller:
    user: UserRecord
    principal: Principal


def authorize(access: Access, authorization: str | None) -> Caller | None:
    """The caller, once the route's access holds (401 or 403 otherwise); None for a public route."""
    if not access.needs_token:
        return None
    user = user_from_authorization(authorization)
    principal = principal_of(user)
    if access.staff:
        require_staff(principal)
    if access.permission is not None:
        require_permission(principal, access.permission)
    return Caller(user=user, principal=principal)
