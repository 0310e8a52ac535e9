"""Reading request bodies and query strings into pydantic schemas."""

import json
from collections.abc import Mapping
from typing import TypeVar
from urllib.parse import parse_qsl

from chalice.app import Request
from pydantic import BaseModel, ValidationError

from chalicelib.errors import InvalidInput, MalformedRequest, PayloadTooLarge
from chalicelib.web.validation import NON_FIELD_ERRORS, field_errors

MAX_BODY_BYTES = 64 * 1024

SchemaT = TypeVar("SchemaT", bound=BaseModel)


JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
# The seed (DRF) took JSON and HTML-form bodies; flat requests may still come as forms.
ACCEPTED_CONTENT_TYPES = [JSON, FORM]


def _is_form(request: Request) -> bool:
    return request.headers.get("content-type", JSON).split(";")[0].strip().lower() == FORM


def _form_fields(raw: bytes) -> dict[str, str]:
    """A form body's fields, decoded strictly as UTF-8, as JSON bodies are: invalid
    bytes (raw or percent-encoded) are refused, naming the field, never replaced."""
    try:
        # surrogateescape keeps invalid bytes visible as lone surrogates.
        text = raw.decode("utf-8", "surrogateescape")
        fields = dict(parse_qsl(text, keep_blank_values=True, errors="surrogateescape"))
    except ValueError as exc:
        raise MalformedRequest(f"Form parse error - {exc}") from None
    invalid = {
        name.encode("utf-8", "surrogateescape").decode("utf-8", "replace"): ["Not valid UTF-8."]
        for name, value in fields.items()
        if not _is_utf8(name) or not _is_utf8(value)
    }
    if invalid:
        raise InvalidInput(invalid)
    return fields


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_body(request: Request, schema: type[SchemaT]) -> SchemaT:
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"Request body exceeds {MAX_BODY_BYTES} bytes.")
    if _is_form(request):
        data: object = _form_fields(raw)
    else:
        try:
            data = json.loads(raw) if raw.strip() else {}
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise MalformedRequest(f"JSON parse error - {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInput({NON_FIELD_ERRORS: [f"Invalid data. Expected a dictionary, but got {type(data).__name__}."]})
    return validate(data, schema)


def single_header(request: Request, name: str) -> str | None:
    """A header that decides who is calling (Authorization, a signature); refused
    (400) when sent more than once, so that a proxy and the app cannot disagree
    about it. API Gateway hands every copy over in multiValueHeaders (the runner
    does the same)."""
    copies = sum(
        len(values or ())
        for header, values in (request.to_original_event().get("multiValueHeaders") or {}).items()
        if header.lower() == name.lower()
    )
    if copies > 1:
        raise MalformedRequest(f"Send the {name} header once.")
    return request.headers.get(name.lower())


def client_address(request: Request) -> str:
    """The caller's address as API Gateway saw it (its sourceIp)."""
    return str((request.context.get("identity") or {}).get("sourceIp") or "unknown")


def parse_query(query_params: Mapping[str, str] | None, schema: type[SchemaT]) -> SchemaT:
    return validate(dict(query_params or {}), schema)


def validate(data: dict, schema: type[SchemaT]) -> SchemaT:
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(field_errors(exc)) from None
