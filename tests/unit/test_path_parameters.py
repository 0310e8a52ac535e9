"""Every path parameter is bounded before anything converts it: a value out
of bounds is a 404 with a JSON body, never a 500, on every route that takes
one; and the OpenAPI document states the same bounds."""

import jsonschema
import pytest

from chalicelib.orders.domain import MAX_ORDER_ID
from chalicelib.users.services import user_issue_token, user_register
from chalicelib.web.openapi import OPERATIONS, build_spec
from tests.unit.conftest import Api

# Within the stated pattern, but no order can have it.
PAST_THE_LAST_ORDER_ID = str(MAX_ORDER_ID + 1)

OUT_OF_BOUNDS = [
    "9" * 4301,  # past Python's int() digit limit: a ValueError where int() is reached
    "9" * 17,
    PAST_THE_LAST_ORDER_ID,
    "x" * 10_000,
    "١٢٣",  # Arabic-Indic digits: str.isdigit() says yes
    "0x1f",
    "12 ",
]
ROUTES_WITH_PARAMETERS = sorted(
    (path, method, name) for (path, method), operation in OPERATIONS.items() for name in operation.path_parameters
)


def test_every_route_with_path_parameters_is_covered() -> None:
    with_braces = {(path, method) for path, method in OPERATIONS if "{" in path}
    assert with_braces == {(path, method) for path, method, _ in ROUTES_WITH_PARAMETERS}
    assert len(with_braces) >= 8


@pytest.mark.parametrize(("path", "method", "name"), ROUTES_WITH_PARAMETERS)
@pytest.mark.parametrize("value", OUT_OF_BOUNDS, ids=lambda value: f"{value[:8]}-{len(value)}")
def test_an_out_of_bounds_path_parameter_is_a_404(api: Api, path: str, method: str, name: str, value: str) -> None:
    root = user_register(email="root@example.com", password="correct horse battery", superuser=True)
    token = user_issue_token(user=root)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    url = path.replace("{" + name + "}", value) + "/"
    response = api.client.http.request(method, url, headers=headers, body=b'{"status": "DONE"}')
    assert response.status_code == 404, response.body
    assert set(response.json_body) == {"detail"}


def test_the_openapi_document_states_each_bound() -> None:
    spec = build_spec({(path, method) for path, method, _ in ROUTES_WITH_PARAMETERS})
    for path, method, name in ROUTES_WITH_PARAMETERS:
        parameters = spec["paths"][f"{path}/"][method.lower()]["parameters"]
        [schema] = [p["schema"] for p in parameters if p["in"] == "path" and p["name"] == name]
        for value in OUT_OF_BOUNDS:
            if value == PAST_THE_LAST_ORDER_ID:
                continue
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.validate(value, schema)
