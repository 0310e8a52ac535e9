"""Each route's declared access (chalicelib/web/access.py) is what the API
enforces. The test walks every route the app registers, so a route added
later is walked too: a protected route refuses no token, a bad token and a
caller without what it needs, and lets the rightful caller through; a public
route needs nothing. Which routes are public is stated here, once."""

import re
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from app import app
from chalicelib.integrators.services import integrator_create
from chalicelib.users.permissions import ADD_ORDER, ALL_PERMISSIONS
from chalicelib.users.services import user_register
from chalicelib.users.tokens import ALGORITHM, token_issue
from chalicelib.web.access import PUBLIC, Access, signature, token
from chalicelib.web.blueprint import ApiBlueprint
from chalicelib.web.openapi import OPERATIONS, Operation, build_spec
from chalicelib.web.path_parameters import TICKET_CODE
from tests.support.accounts import PASSWORD, make_account
from tests.support.integrators import signature_header
from tests.unit.conftest import Api, Reconfigure

ROUTES = sorted((path, method) for path, methods in app.routes.items() for method in methods)
# Public by design: the seed's public calls, health, the documentation and the admin page's files.
PUBLIC_ROUTES = {
    ("/admin", "GET"),
    ("/admin/static/{name}", "GET"),
    ("/api/docs", "GET"),
    ("/api/docs/{name}", "GET"),
    ("/api/health", "GET"),
    ("/api/openapi.json", "GET"),
    ("/api/orders/tickets/{code}/update-status", "POST"),
    ("/api/users/login", "POST"),
    ("/api/users/register", "POST"),
}
PROTECTED_ROUTES = [route for route in ROUTES if route not in PUBLIC_ROUTES]
REFUSED = (401, 403)


def declared(path: str, method: str) -> Access:
    operation = OPERATIONS.get((path, method))
    return operation.access if operation is not None else PUBLIC


def call(api: Api, path: str, method: str, token: str | None = None, authorization: str | None = None):
    # Any value fills a path parameter: access is checked before anything is looked up.
    url = re.sub(r"{\w+}", "x1", path) + "/"
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Token {token}"
    if authorization is not None:
        headers["Authorization"] = authorization
    return api.client.http.request(method, url, headers=headers, body=b"{}")


def test_the_routes_declared_public_are_exactly_the_public_ones() -> None:
    assert {route for route in ROUTES if not declared(*route).needs_token} == PUBLIC_ROUTES
    assert len(PROTECTED_ROUTES) >= 12


@pytest.mark.parametrize(("path", "method"), sorted(PUBLIC_ROUTES))
def test_a_public_route_needs_nothing(api: Api, path: str, method: str) -> None:
    assert call(api, path, method).status_code not in REFUSED


@pytest.mark.parametrize(("path", "method"), PROTECTED_ROUTES)
def test_a_protected_route_refuses_a_missing_or_bad_token(api: Api, path: str, method: str) -> None:
    user = user_register(email="someone@example.com", password=PASSWORD)
    now = datetime.now(UTC)
    claims = {"sub": user.user_id, "email": user.email, "ver": 1, "iat": now, "exp": now + timedelta(hours=1)}
    forged = jwt.encode({**claims, "jti": "forged"}, "a-key-that-is-not-this-stage-signing-key", algorithm=ALGORITHM)
    expired = token_issue(user_id=user.user_id, email=user.email, token_version=1, now=now - timedelta(days=30))
    bad = (None, "Token", "Token not-a-token", f"Token {forged}", f"Bearer {expired}", "Basic dXNlcjpwYXNz")
    for authorization in bad:
        response = call(api, path, method, authorization=authorization)
        assert response.status_code == 401, (authorization, response.body)
        assert set(response.json_body) == {"detail"}


@pytest.mark.parametrize(
    ("path", "method"), [route for route in PROTECTED_ROUTES if declared(*route).staff or declared(*route).permission]
)
def test_a_protected_route_refuses_a_caller_without_what_it_needs(api: Api, path: str, method: str) -> None:
    access = declared(path, method)
    lacking = [make_account("nobody@example.com")]  # no flag, no permission
    if access.staff and access.permission:
        lacking.append(make_account("staff@example.com", staff=True))  # staff without the permission
    if access.permission and not access.staff:
        lacking.append(make_account("other@example.com", permissions=ALL_PERMISSIONS - {access.permission}))
    for lacks in lacking:
        response = call(api, path, method, token=lacks.token)
        assert response.status_code == 403, response.body


@pytest.mark.parametrize(("path", "method"), PROTECTED_ROUTES)
def test_a_protected_route_lets_its_rightful_caller_through(api: Api, path: str, method: str) -> None:
    access = declared(path, method)
    needed = {access.permission} if access.permission else set()
    rightful = make_account("rightful@example.com", staff=access.staff, permissions=needed)
    assert call(api, path, method, token=rightful.token).status_code not in REFUSED


SIGNED_ROUTES = [route for route in ROUTES if declared(*route).signed_over]


def test_status_reports_take_signatures() -> None:
    assert ("/api/orders/tickets/{code}/update-status", "POST") in SIGNED_ROUTES


@pytest.mark.parametrize(("path", "method"), SIGNED_ROUTES)
def test_a_signed_route_refuses_a_bad_signature_and_where_required_none(
    api: Api, reconfigure: Reconfigure, path: str, method: str
) -> None:
    key = integrator_create(name="walker")
    # A real ticket's code where the signed parameter is, so that only the signature can refuse.
    token = make_account("owner@example.com", permissions={ADD_ORDER}).token
    code = api.create_order(token)["tickets"][0]["code"]
    url = path.replace("{" + declared(path, method).signed_over + "}", code) + "/"
    body = b'{"status": "DONE"}'
    good = signature_header(key_id=key.key_id, secret=key.secret, code=code, body=body)
    bad = (good[:-1] + ("0" if good[-1] != "0" else "1"), "keyid=ik_x,t=1,v1=" + "0" * 64, "nonsense")

    def send(header: str | None):
        headers = {"Content-Type": "application/json", **({"Catalyst-Signature": header} if header else {})}
        return api.client.http.request(method, url, headers=headers, body=body)

    for header in bad:
        assert send(header).status_code == 401, header
    assert send(None).status_code not in REFUSED
    reconfigure(status_reports_require_signature=True)
    assert send(None).status_code == 401
    for header in bad:
        assert send(header).status_code == 401, header
    assert send(good).status_code not in REFUSED


def test_the_openapi_document_states_each_routes_access() -> None:
    described = [route for route in ROUTES if route in OPERATIONS]
    spec = build_spec(described)
    for path, method in described:
        operation, access = spec["paths"][f"{path}/"][method.lower()], declared(path, method)
        assert ("security" in operation) == access.needs_token, (path, method)
        if access.needs_token or access.signed_over:  # a public route may answer 401 for its own reasons (login)
            assert "401" in operation["responses"], (path, method)
        headers = {parameter["name"] for parameter in operation.get("parameters", []) if parameter["in"] == "header"}
        assert ("Catalyst-Signature" in headers) == bool(access.signed_over), (path, method)
        assert ("403" in operation["responses"]) == bool(access.staff or access.permission), (path, method)


def test_a_view_that_would_not_receive_its_caller_cannot_be_registered() -> None:
    """Checked when the route is declared, so a view cannot miss the caller its route checked."""
    blueprint = ApiBlueprint(__name__)
    protected = Operation(summary="s", tag="t", responses={200: None}, access=token())
    with pytest.raises(ValueError, match="caller"):
        blueprint.route("/api/example", methods=["GET"], operation=protected)(lambda: {})
    signed = Operation(
        summary="s",
        tag="t",
        responses={200: None},
        access=signature(over="code"),
        path_parameters={"code": TICKET_CODE},
    )
    with pytest.raises(ValueError, match="caller"):
        blueprint.route("/api/example/{code}", methods=["POST"], operation=signed)(lambda code: {})
    with pytest.raises(ValueError, match="caller"):
        blueprint.route("/api/example", methods=["GET"], operation=Operation(summary="s", tag="t", responses={}))(
            lambda caller: {}
        )
    assert ("/api/example", "GET") not in OPERATIONS
