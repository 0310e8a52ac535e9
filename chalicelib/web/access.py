"""Who may call a route, declared once, on the route.

ApiBlueprint.route takes the declaration (in the route's Operation), enforces
it before the view runs and hands the view its caller; the OpenAPI document
is built from the same declaration. No view authenticates by hand.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from chalice.app import Request

from chalicelib.config import settings
from chalicelib.errors import InvalidSignature
from chalicelib.integrators.services import Integrator, integrator_from_signature
from chalicelib.integrators.signatures import SIGNATURE_HEADER
from chalicelib.users.authentication import user_from_authorization
from chalicelib.users.models import UserRecord, principal_of
from chalicelib.users.permissions import Principal, require_permission, require_staff
from chalicelib.web.requests import single_header

# The keyword under which a view receives its caller.
CALLER_ARGUMENT = "caller"


@dataclass(frozen=True)
class Access:
    """What a route needs: nothing, a valid token, or an active staff member's;
    with a token, optionally a permission. Or, on a status report, an
    integrator's signature over the path parameter `signed_over` and the body:
    checked whenever one is sent, required when the stage says so."""

    needs_token: bool
    staff: bool = False
    permission: str | None = None
    signed_over: str | None = None

    @property
    def hands_caller(self) -> bool:
        return self.needs_token or self.signed_over is not None


PUBLIC = Access(needs_token=False)


def token(permission: str | None = None) -> Access:
    return Access(needs_token=True, permission=permission)


def staff(permission: str | None = None) -> Access:
    return Access(needs_token=True, staff=True, permission=permission)


def signature(over: str) -> Access:
    return Access(needs_token=False, signed_over=over)


@dataclass(frozen=True)
class Caller:
    user: UserRecord
    principal: Principal


def authorize(access: Access, request: Request, path_params: dict[str, str]) -> Caller | Integrator | None:
    """The caller, once the route's access holds (401 or 403 otherwise): a user
    for a token, an integrator (or None, unsigned) for a signature; None for a public route."""
    if access.signed_over is not None:
        return _signer(request, path_params[access.signed_over])
    if not access.needs_token:
        return None
    user = user_from_authorization(single_header(request, "Authorization"))
    principal = principal_of(user)
    if access.staff:
        require_staff(principal)
    if access.permission is not None:
        require_permission(principal, access.permission)
    return Caller(user=user, principal=principal)


def _signer(request: Request, signed_value: str) -> Integrator | None:
    header = single_header(request, SIGNATURE_HEADER)
    if header is None:
        if settings().status_reports_require_signature:
            raise InvalidSignature(f"This stage takes signed status reports only: send {SIGNATURE_HEADER}.")
        return None
    return integrator_from_signature(header, code=signed_value, body=request.raw_body or b"", now=datetime.now(UTC))
