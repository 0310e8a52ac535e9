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


def parse_body(request: Request, schema: type[SchemaT]) -> SchemaT:
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"Request body exceeds {MAX_BODY_BYTES} bytes.")
    if _is_form(request):
        try:
            data: object = dict(parse_qsl(raw.decode(), keep_blank_values=True))
        except (UnicodeDecodeError, ValueError) as exc:
            raise MalformedRequest(f"Form parse error - {exc}") from None
    else:
        try:
            data = json.loads(raw) if raw.strip() else {}
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise MalformedRequest(f"JSON parse error - {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInput({NON_FIELD_ERRORS: [f"Invalid data. Expected a dictionary, but got {type(data).__name__}."]})
    return validate(data, schema)


def parse_query(query_params: Mapping[str, str] | None, schema: type[SchemaT]) -> SchemaT:
    return validate(dict(query_params or {}), schema)


def validate(data: dict, schema: type[SchemaT]) -> SchemaT:
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(field_errors(exc)) from None
