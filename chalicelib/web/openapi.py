"""The OpenAPI 3.1 description of the API, built from the routes and the
pydantic schemas they declare, so that it cannot drift from the code.

Each JSON route declares an Operation where it is defined (ApiBlueprint.route);
the spec is assembled on first request and cached.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.integrators.signatures import SIGNATURE_HEADER, TOLERANCE
from chalicelib.web.access import PUBLIC, Access
from chalicelib.web.path_parameters import PathParameter

API_TITLE = "Catalyst"
API_VERSION = "1.0.0"
# Routes that serve pages rather than JSON: not operations of the API.
PAGES = frozenset({"/admin", "/admin/static/{name}", "/api/docs", "/api/docs/{name}", "/api/openapi.json"})

FIELD_ERRORS = {
    "type": "object",
    "description": 'Field errors, DRF style: {"field.path": ["message", ...]}.',
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
SERVER_ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "request_id": {"type": "string"}},
    "required": ["detail", "request_id"],
}
ERROR_DESCRIPTIONS = {
    400: "Invalid input: field errors, or a detail for a body that is not JSON.",
    401: "Missing, malformed, expired or revoked credentials (a token, or an integrator's signature).",
    403: "Authenticated, but not allowed.",
    404: "Not found.",
    405: "Method not allowed.",
    409: "Conflicts with the current state, or a request with the same Idempotency-Key is still running "
    "(then with Retry-After).",
    413: "Request body larger than 64 KiB.",
    415: "Unsupported content type.",
    422: "The Idempotency-Key was used before with a different request.",
    429: "Too many attempts; see Retry-After.",
    500: "Unexpected error; the body carries the request id, the logs the rest.",
    503: "Busy; see Retry-After.",
}


@dataclass(frozen=True)
class HeaderParameter:
    name: str
    description: str
    schema: dict[str, Any]


@dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    responses: dict[int, type[BaseModel] | None]
    request: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    # Who may call it (access.py): enforced by the blueprint, documented from here.
    access: Access = PUBLIC
    # Statuses this operation may answer beyond those its shape implies.
    errors: tuple[int, ...] = ()
    description: str = ""
    path_parameters: dict[str, PathParameter] = field(default_factory=dict)
    headers: tuple[HeaderParameter, ...] = ()


OPERATIONS: dict[tuple[str, str], Operation] = {}
# Described on every route whose access takes a signature (access.signature).
SIGNATURE_PARAMETER = HeaderParameter(
    SIGNATURE_HEADER,
    "An integrator's signature: keyid=<key id>,t=<unix seconds>,v1=<hex HMAC-SHA256 with the integrator's "
    "secret over `<t>.<ticket code, lower-case with dashes>.<raw body>`>; t within "
    f"{int(TOLERANCE.total_seconds())} seconds of the server's clock.",
    {"type": "string", "maxLength": 200},
)


def register(path: str, methods: Iterable[str], operation: Operation) -> None:
    for method in methods:
        OPERATIONS[(path, method.upper())] = operation


def _error_statuses(operation: Operation) -> set[int]:
    statuses = {500, 503, *operation.errors}
    if operation.request is not None:
        statuses |= {400, 413, 415}
    if operation.query is not None:
        statuses.add(400)
    if operation.access.needs_token or operation.access.signed_over:
        statuses.add(401)
    if operation.access.permission or operation.access.staff:
        statuses.add(403)
    if operation.path_parameters:
        statuses.add(404)
    return statuses


def _error_schema(status: int) -> dict[str, Any]:
    if status in {400, 409}:
        return {"anyOf": [FIELD_ERRORS, DETAIL]}
    if status == 500:
        return SERVER_ERROR
    return DETAIL


def _query_parameters(model: type[BaseModel], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": property_schema}
        for name, property_schema in schema.get("properties", {}).items()
    ]


# Headers that answers of these statuses carry.
ERROR_HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}}},
    409: {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait, for a running request."}},
    429: {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
    503: {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
}


def _parameters(operation: Operation, schemas: dict) -> list[dict[str, Any]]:
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": parameter.schema(),
            "description": parameter.description,
        }
        for name, parameter in operation.path_parameters.items()
    ]
    if operation.query is not None:
        parameters += _query_parameters(operation.query, schemas)
    parameters += [
        {
            "name": header.name,
            "in": "header",
            "required": False,
            "schema": header.schema,
            "description": header.description,
        }
        for header in (*operation.headers, *([SIGNATURE_PARAMETER] if operation.access.signed_over else []))
    ]
    return parameters


def _responses(operation: Operation, refs: dict[tuple[type[BaseModel], str], Any]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, model in operation.responses.items():
        content = {"content": {"application/json": {"schema": refs[(model, "serialization")]}}} if model else {}
        responses[str(status)] = {"description": "Success.", **content}
    for status in sorted(_error_statuses(operation)):
        headers = {"headers": ERROR_HEADERS[status]} if status in ERROR_HEADERS else {}
        responses[str(status)] = {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": _error_schema(status)}},
            **headers,
        }
    return responses


def _operation_spec(operation: Operation, refs: dict[tuple[type[BaseModel], str], Any], schemas: dict) -> dict:
    spec: dict[str, Any] = {"summary": operation.summary, "tags": [operation.tag]}
    description = operation.description
    if operation.access.permission:
        description = f"{description}\n\nNeeds the permission `{operation.access.permission}`.".strip()
    if description:
        spec["description"] = description
    parameters = _parameters(operation, schemas)
    if parameters:
        spec["parameters"] = parameters
    if operation.request is not None:
        spec["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(operation.request, "validation")]}},
        }
    if operation.access.needs_token:
        spec["security"] = [{"tokenAuth": []}, {"bearerAuth": []}]
    spec["responses"] = _responses(operation, refs)
    return spec


def _operation_id(path: str, method: str) -> str:
    words = path.strip("/").replace("{", "").replace("}", "").replace("-", "_").split("/")
    return "_".join([method.lower(), *words])


def build_spec(route_paths: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The OpenAPI document for these (path, method) routes; a route without an
    Operation that is not a page is an error, so the spec covers every route."""
    routes = sorted(route_paths)
    missing = [route for route in routes if route not in OPERATIONS and route[0] not in PAGES]
    if missing:
        raise LookupError(f"routes without an OpenAPI operation: {missing}")
    documented = [(path, method, OPERATIONS[(path, method)]) for path, method in routes if (path, method) in OPERATIONS]
    models = {
        (model, mode)
        for _, _, operation in documented
        for model, mode in [
            *((operation.request, "validation"),),
            *((response, "serialization") for response in operation.responses.values()),
        ]
        if model is not None
    }
    refs, definitions = models_json_schema(
        sorted(models, key=lambda pair: (pair[0].__name__, pair[1])), ref_template="#/components/schemas/{model}"
    )
    schemas: dict[str, Any] = dict(definitions.get("$defs", {}))
    paths: dict[str, dict[str, Any]] = {}
    for path, method, operation in documented:
        operation_spec = _operation_spec(operation, refs, schemas)
        operation_spec["operationId"] = _operation_id(path, method)
        # Every path answers with and without its trailing slash; the seed's clients use the slash.
        paths.setdefault(f"{path}/", {})[method.lower()] = operation_spec
    return {
        "openapi": "3.1.0",
        "info": {
            "title": API_TITLE,
            "version": API_VERSION,
            "description": "Order management. Every path also answers without its trailing slash.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "tokenAuth": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": (
                        "The seed's scheme: `Token <token>`, with a token from login or registration, "
                        "or a DRF token carried over from the seed (40 hex digits) where the stage "
                        "keeps LEGACY_TOKENS_ENABLED."
                    ),
                },
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
        },
    }
