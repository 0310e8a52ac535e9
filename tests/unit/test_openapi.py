"""The OpenAPI description covers every route and is valid OpenAPI 3.1."""

import pytest
from openapi_spec_validator import validate

from app import app
from chalicelib.web.openapi import OPERATIONS, PAGES, Operation, build_spec
from tests.unit.conftest import Api


def _routes() -> list[tuple[str, str]]:
    return sorted((path, method) for path, methods in app.routes.items() for method in methods)


def test_every_route_is_an_operation_or_a_page() -> None:
    undocumented = [route for route in _routes() if route not in OPERATIONS and route[0] not in PAGES]
    assert undocumented == []
    assert set(OPERATIONS) <= set(_routes())


def test_a_route_without_an_operation_is_refused() -> None:
    with pytest.raises(LookupError, match="/api/secret"):
        build_spec([*_routes(), ("/api/secret", "GET")])


def test_the_spec_is_valid_openapi_and_lists_each_path_with_its_trailing_slash() -> None:
    spec = build_spec(_routes())
    validate(spec)
    assert spec["openapi"] == "3.1.0"
    documented = {(path, method.upper()) for path, methods in spec["paths"].items() for method in methods}
    assert documented == {(f"{path}/", method) for path, method in OPERATIONS}


def test_operations_document_their_errors_and_security() -> None:
    spec = build_spec(_routes())
    create = spec["paths"]["/api/orders/create/"]["post"]
    assert set(create["responses"]) >= {"201", "400", "401", "403", "413", "415", "500", "503"}
    assert create["security"] == [{"tokenAuth": []}, {"bearerAuth": []}]
    assert "orders.add_order" in create["description"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CreateOrderRequest"
    }
    update = spec["paths"]["/api/orders/tickets/{code}/update-status/"]["post"]
    assert "security" not in update  # public, as in the seed; a signature is optional unless the stage requires it
    assert set(update["responses"]) == {"200", "400", "401", "404", "413", "415", "500", "503"}
    signature = next(parameter for parameter in update["parameters"] if parameter["in"] == "header")
    assert signature["name"] == "Catalyst-Signature"
    assert not signature["required"]
    assert "keyid=" in signature["description"]
    login = spec["paths"]["/api/users/login/"]["post"]
    assert "Retry-After" in login["responses"]["429"]["headers"]


def test_an_operation_declares_extra_statuses() -> None:
    operation = Operation(summary="x", tag="t", responses={204: None}, errors=(409,))
    OPERATIONS[("/api/example", "DELETE")] = operation
    try:
        spec = build_spec([("/api/example", "DELETE")])
    finally:
        del OPERATIONS[("/api/example", "DELETE")]
    responses = spec["paths"]["/api/example/"]["delete"]["responses"]
    assert set(responses) == {"204", "409", "500", "503"}
    assert "content" not in responses["204"]


@pytest.mark.parametrize("path", ["/api/openapi.json", "/api/openapi.json/"])
def test_the_spec_is_served(api: Api, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 200
    assert response.json_body["paths"]["/api/orders/create/"]["post"]["summary"] == "Create an order with its tickets"


def test_the_docs_page_and_its_assets_are_served_from_the_package(api: Api) -> None:
    page = api.get("/api/docs/")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    html = page.body.decode()
    assert 'src="docs.js"' in html
    assert "http" not in html.replace("../openapi.json", "")
    script = api.get("/api/docs/docs.js")
    assert script.status_code == 200
    assert "../openapi.json" in script.body.decode()
    assert api.get("/api/docs/secrets.txt").status_code == 404
    assert api.get("/api/docs").status_code == 301


def test_the_password_change_documents_429_with_retry_after() -> None:
    spec = build_spec(_routes())
    change = spec["paths"]["/api/users/change-password/"]["post"]
    assert "Retry-After" in change["responses"]["429"]["headers"]


def test_the_audit_trail_documents_that_it_needs_view_user() -> None:
    spec = build_spec(_routes())
    audit = spec["paths"]["/api/admin/audit/"]["get"]
    assert "Needs the permission `users.view_user`." in audit["description"]
    assert "403" in audit["responses"]
