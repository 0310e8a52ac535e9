"""The real handler behind the HTTP API: every route of the app, invoked
in-process with the events an HTTP API sends in payload format 1.0, answers
as it does behind the REST API (chalice.test.Client sends REST events).

The events follow AWS's documented shape ("Working with AWS Lambda proxy
integrations for HTTP APIs", format 1.0): the route's path in `resource` and
`requestContext.resourcePath`, the request's path in `path`, decoded path
parameters, lower-case header names, and `$default` as the stage. Which route
a request reaches is API Gateway's matching: the route keys are the stack's
own (infra/cdk/http_api.route_keys), a path parameter takes one segment, a
static segment wins over a parameter, and a trailing slash reaches the route
without it, as on REST.
"""

import json
import re
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from app import app
from chalicelib.integrators.services import integrator_create
from chalicelib.orders.services import order_create
from chalicelib.users.services import user_issue_token, user_register
from infra.cdk.http_api import DEFAULT_STAGE, PAYLOAD_FORMAT_VERSION, route_keys
from infra.cdk.stages import HTTP_API, REST_API
from tests.support.accounts import PASSWORD
from tests.unit.conftest import Api

FRONT_DOORS = (REST_API, HTTP_API)


def _lower(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in dict(headers).items()}


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


def _route_pattern(route_path: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(route_path))
    return re.compile(f"^{pattern}/?$")


def match_route(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    """The route key API Gateway picks for a request, and its path parameters (decoded)."""
    candidates = []
    for key in route_keys(app):
        key_method, route_path = key.split(" ", 1)
        found = _route_pattern(route_path).match(path) if key_method == method else None
        if found:
            static_segments = sum(1 for segment in route_path.split("/") if segment and "{" not in segment)
            candidates.append((static_segments, key, found.groupdict()))
    if not candidates:
        return None
    _, key, raw = max(candidates)
    return key, {name: urllib.parse.unquote(value) for name, value in raw.items()}


def http_api_event(method: str, url: str, headers: dict[str, str], body: str | None) -> dict[str, Any]:
    """The event an HTTP API sends to its Lambda integration, payload format 1.0."""
    parsed = urllib.parse.urlsplit(url)
    matched = match_route(method, parsed.path)
    assert matched is not None, f"no route for {method} {parsed.path}: the HTTP API answers 404 itself"
    route_key, path_parameters = matched
    resource = route_key.split(" ", 1)[1]
    query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
    lower = {name.lower(): value for name, value in headers.items()}
    return {
        "version": PAYLOAD_FORMAT_VERSION,
        "resource": resource,
        "path": parsed.path,
        "httpMethod": method,
        "headers": lower,
        "multiValueHeaders": {name: [value] for name, value in lower.items()},
        "queryStringParameters": {name: values[-1] for name, values in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "id",
            "domainName": "id.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "id",
            "extendedRequestId": "request-id",
            "httpMethod": method,
            "identity": {"sourceIp": "192.0.2.1", "userAgent": "test"},
            "path": parsed.path,
            "protocol": "HTTP/1.1",
            "requestId": str(uuid.uuid4()),
            "requestTime": "02/Dec/2026:12:00:00 +0000",
            "requestTimeEpoch": 1796212800000,
            "resourceId": None,
            "resourcePath": resource,
            "stage": DEFAULT_STAGE,
        },
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "body": body,
        "isBase64Encoded": False,
    }


class FrontDoor:
    """Requests through one front door: Chalice's REST test client, or HTTP API 1.0 events."""

    def __init__(self, kind: str, api: Api) -> None:
        self.kind = kind
        self.api = api

    def request(self, method: str, url: str, body: object = None, token: str | None = None) -> Answer:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = f"Token {token}"
        raw = json.dumps(body) if body is not None else None
        if self.kind == REST_API:
            response = self.api.client.http.request(method, url, headers=headers, body=(raw or "").encode())
            return Answer(response.status_code, _lower(response.headers), response.body.decode())
        answer = app(http_api_event(method, url, headers, raw), None)
        return Answer(answer["statusCode"], _lower(answer.get("headers") or {}), answer.get("body") or "")


@dataclass
class World:
    root: str
    user: str
    user_id: str
    order_id: int
    code: str
    other_order_id: int
    key_id: str


def world() -> World:
    root = user_register(email="root@example.com", password=PASSWORD, superuser=True)
    user = user_register(email="user@example.com", password=PASSWORD)
    orders = [
        order_create(
            owner_id=user.user_id, customer_name="Ann", customer_phone="+1 555 0100", comment="", tickets=[["A"]]
        )
        for _ in range(2)
    ]
    return World(
        root=user_issue_token(user=root),
        user=user_issue_token(user=user),
        user_id=user.user_id,
        order_id=int(orders[0].order.order_id),
        code=orders[0].tickets[0].ticket_code,
        other_order_id=int(orders[1].order.order_id),
        key_id=integrator_create(name=f"scenario-{uuid.uuid4().hex[:8]}").key_id,
    )


Step = tuple[str, str, Callable[[World], tuple[str, object, str | None]], int]

# Pages whose relative links need their slash: without it they redirect to it.
REDIRECTING_PAGES = {"GET /api/docs": "/api/docs", "GET /admin": "/admin"}
# Every other route key, once, with a request that its view takes and the status it
# answers. Change-password comes last: it ends the user's tokens.
SCENARIO: list[Step] = [
    ("GET /api/health", "GET", lambda w: ("/api/health", None, None), 200),
    ("GET /api/openapi.json", "GET", lambda w: ("/api/openapi.json", None, None), 200),
    ("GET /api/docs/{name}", "GET", lambda w: ("/api/docs/docs.js", None, None), 200),
    ("GET /admin/static/{name}", "GET", lambda w: ("/admin/static/admin.js", None, None), 200),
    (
        "POST /api/users/register",
        "POST",
        lambda w: ("/api/users/register", {"email": "new@example.com", "password": PASSWORD}, None),
        201,
    ),
    (
        "POST /api/users/login",
        "POST",
        lambda w: ("/api/users/login", {"email": "user@example.com", "password": PASSWORD}, None),
        200,
    ),
    (
        "POST /api/orders/create",
        "POST",
        lambda w: (
            "/api/orders/create",
            {"customer_name": "Bo", "customer_phone": "+1 555 0101", "tickets": [{"product_codes": ["B"]}]},
            w.user,
        ),
        201,
    ),
    ("GET /api/orders", "GET", lambda w: ("/api/orders?limit=1", None, w.user), 200),
    ("GET /api/orders/{order_id}", "GET", lambda w: (f"/api/orders/{w.order_id}", None, w.user), 200),
    (
        "POST /api/orders/tickets/{code}/update-status",
        "POST",
        lambda w: (f"/api/orders/tickets/{w.code}/update-status", {"status": "IN_PROGRESS"}, None),
        200,
    ),
    (
        "POST /api/orders/{order_id}/cancel",
        "POST",
        lambda w: (f"/api/orders/{w.other_order_id}/cancel", {}, w.user),
        200,
    ),
    ("GET /api/admin/me", "GET", lambda w: ("/api/admin/me", None, w.root), 200),
    ("GET /api/admin/users", "GET", lambda w: ("/api/admin/users?q=user", None, w.root), 200),
    ("GET /api/admin/users/{user_id}", "GET", lambda w: (f"/api/admin/users/{w.user_id}", None, w.root), 200),
    (
        "PATCH /api/admin/users/{user_id}",
        "PATCH",
        lambda w: (f"/api/admin/users/{w.user_id}", {"is_staff": False}, w.root),
        200,
    ),
    ("GET /api/admin/orders", "GET", lambda w: ("/api/admin/orders", None, w.root), 200),
    ("GET /api/admin/orders/{order_id}", "GET", lambda w: (f"/api/admin/orders/{w.order_id}", None, w.root), 200),
    ("GET /api/admin/tickets/{code}", "GET", lambda w: (f"/api/admin/tickets/{w.code}", None, w.root), 200),
    (
        "POST /api/admin/tickets/{code}/status",
        "POST",
        lambda w: (f"/api/admin/tickets/{w.code}/status", {"status": "DONE"}, w.root),
        200,
    ),
    ("GET /api/admin/audit", "GET", lambda w: ("/api/admin/audit", None, w.root), 200),
    ("GET /api/admin/integrators", "GET", lambda w: ("/api/admin/integrators", None, w.root), 200),
    (
        "POST /api/admin/integrators/keys/{key_id}/revoke",
        "POST",
        lambda w: (f"/api/admin/integrators/keys/{w.key_id}/revoke", {}, w.root),
        200,
    ),
    (
        "POST /api/users/change-password",
        "POST",
        lambda w: (
            "/api/users/change-password",
            {"current_password": PASSWORD, "new_password": "purple elephant umbrella"},
            w.user,
        ),
        200,
    ),
]


def test_the_scenario_and_the_pages_take_every_route_of_the_app() -> None:
    assert sorted([*(key for key, *_ in SCENARIO), *REDIRECTING_PAGES]) == route_keys(app)


@pytest.mark.parametrize("slash", ["", "/"], ids=["no-slash", "slash"])
@pytest.mark.parametrize("kind", FRONT_DOORS)
def test_every_route_answers_through_each_front_door(api: Api, kind: str, slash: str) -> None:
    door, state = FrontDoor(kind, api), world()
    for route_key, method, build, expected in SCENARIO:
        url, body, token = build(state)
        path, _, query = url.partition("?")
        url = path + slash + (f"?{query}" if query else "")
        if kind == HTTP_API:
            assert match_route(method, path + slash)[0] == route_key  # type: ignore[index]
        answer = door.request(method, url, body, token)
        assert answer.status == expected, (kind, route_key, answer.body)


def _comparable(answer: Answer) -> object:
    """The body, with a page's cursor as whether there is one: a cursor is encrypted afresh each time."""
    try:
        body = answer.json()
    except json.JSONDecodeError:
        return answer.body
    if isinstance(body, dict) and "next_cursor" in body:
        body["next_cursor"] = body["next_cursor"] is not None
    return body


@pytest.mark.parametrize("slash", ["", "/"], ids=["no-slash", "slash"])
def test_reads_answer_the_same_body_through_both_front_doors(api: Api, slash: str) -> None:
    state = world()
    doors = [FrontDoor(kind, api) for kind in FRONT_DOORS]
    for route_key, method, build, _expected in SCENARIO:
        if method != "GET":
            continue
        url, _, token = build(state)
        path, _, query = url.partition("?")
        url = path + slash + (f"?{query}" if query else "")
        rest, http_api = (door.request(method, url, None, token) for door in doors)
        assert (http_api.status, _comparable(http_api)) == (rest.status, _comparable(rest)), route_key
        assert http_api.headers.get("content-type") == rest.headers.get("content-type"), route_key


def test_path_parameters_arrive_decoded_and_bounded(api: Api) -> None:
    state = world()
    door = FrontDoor(HTTP_API, api)
    upper = state.code.upper()
    # An encoded code is decoded by API Gateway before the view sees it; case does not matter to codes.
    found = door.request("GET", f"/api/admin/tickets/{urllib.parse.quote(upper)}/", None, state.root)
    assert (found.status, found.json()["ticket_code"]) == (200, state.code)
    out_of_bounds = door.request("GET", f"/api/orders/{'9' * 40}/", None, state.user)
    assert (out_of_bounds.status, set(out_of_bounds.json())) == (404, {"detail"})


@pytest.mark.parametrize("path", REDIRECTING_PAGES.values())
def test_a_page_redirects_to_its_slash_through_the_http_api(api: Api, path: str) -> None:
    door = FrontDoor(HTTP_API, api)
    without = door.request("GET", path, None, None)
    with_slash = door.request("GET", f"{path}/", None, None)
    assert (without.status, without.headers["location"]) == (301, path.rsplit("/", 1)[-1] + "/")
    assert with_slash.status == 200
    assert with_slash.headers["content-type"].startswith("text/html")
