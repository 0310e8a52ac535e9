"""Requests as DRF validated them: the base of every request and response
schema, and pydantic's errors in DRF's shape {"field.path": ["message", ...]}.

The seed's clients read DRF's messages, so the common ones are kept word for
word; anything else falls back to pydantic's own message.
"""

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from chalicelib.errors import FieldErrors

NON_FIELD_ERRORS = "non_field_errors"


class Schema(BaseModel):
    # Built on first use rather than at import: a cold start pays only for the
    # schemas its request needs. Unknown fields are ignored, as DRF did.
    model_config = ConfigDict(defer_build=True, extra="ignore")


def _type_name(value: Any) -> str:
    return {dict: "dict", list: "list", str: "str", bool: "bool", int: "int", float: "float"}.get(
        type(value), type(value).__name__
    )


def _at_least(ctx: dict[str, Any], blank: str, unit: str) -> str:
    if ctx.get("min_length") == 1:
        return blank
    return f"Ensure this field has at least {ctx['min_length']} {unit}."


# DRF's message for each kind of pydantic error: (ctx, input) -> text.
_MESSAGE_BUILDERS: dict[tuple[str, ...], Callable[[dict[str, Any], Any], str]] = {
    ("missing",): lambda ctx, value: "This field is required.",
    ("string_type", "string_unicode"): lambda ctx, value: "Not a valid string.",
    ("string_too_short",): lambda ctx, value: _at_least(ctx, "This field may not be blank.", "characters"),
    ("string_too_long",): lambda ctx, value: f"Ensure this field has no more than {ctx['max_length']} characters.",
    ("too_short",): lambda ctx, value: _at_least(ctx, "This list may not be empty.", "elements"),
    ("too_long",): lambda ctx, value: f"Ensure this field has no more than {ctx['max_length']} elements.",
    ("list_type",): lambda ctx, value: f'Expected a list of items but got type "{_type_name(value)}".',
    ("model_type", "dict_type", "model_attributes_type"): lambda ctx, value: (
        f"Invalid data. Expected a dictionary, but got {_type_name(value)}."
    ),
    ("literal_error", "enum"): lambda ctx, value: f'"{value}" is not a valid choice.',
    ("int_type", "int_parsing", "int_from_float"): lambda ctx, value: "A valid integer is required.",
    ("greater_than_equal", "greater_than"): lambda ctx, value: (
        f"Ensure this value is greater than or equal to {ctx.get('ge', ctx.get('gt'))}."
    ),
    ("less_than_equal", "less_than"): lambda ctx, value: (
        f"Ensure this value is less than or equal to {ctx.get('le', ctx.get('lt'))}."
    ),
    ("datetime_type", "datetime_parsing", "datetime_from_date_parsing"): lambda ctx, value: (
        "Datetime has wrong format. Use ISO 8601."
    ),
}
_MESSAGES = {kind: build for kinds, build in _MESSAGE_BUILDERS.items() for kind in kinds}


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "value_error" and "email" in str(error.get("msg", "")).lower():
        return "Enter a valid email address."
    build = _MESSAGES.get(kind)
    return build(error.get("ctx") or {}, error.get("input")) if build else str(error["msg"])


def field_errors(exc: ValidationError) -> FieldErrors:
    errors: FieldErrors = {}
    for error in exc.errors(include_url=False):
        path = ".".join(str(part) for part in error["loc"]) or NON_FIELD_ERRORS
        errors.setdefault(path, []).append(_message(error))
    return errors
