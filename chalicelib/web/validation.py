"""Turn pydantic errors into DRF's shape: {"field.path": ["message", ...]}.

The seed's clients read DRF's messages, so the common ones are kept word for
word; anything else falls back to pydantic's own message.
"""

from typing import Any

from pydantic import ValidationError

from chalicelib.errors import FieldErrors

NON_FIELD_ERRORS = "non_field_errors"


def _type_name(value: Any) -> str:
    return {dict: "dict", list: "list", str: "str", bool: "bool", int: "int", float: "float"}.get(
        type(value), type(value).__name__
    )


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "missing":
        return "This field is required."
    if kind in {"string_type", "string_unicode"}:
        return "Not a valid string."
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return "This field may not be blank."
        return f"Ensure this field has at least {ctx['min_length']} characters."
    if kind == "string_too_long":
        return f"Ensure this field has no more than {ctx['max_length']} characters."
    if kind == "too_short":
        if ctx.get("min_length") == 1:
            return "This list may not be empty."
        return f"Ensure this field has at least {ctx['min_length']} elements."
    if kind == "too_long":
        return f"Ensure this field has no more than {ctx['max_length']} elements."
    if kind == "list_type":
        return f'Expected a list of items but got type "{_type_name(value)}".'
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return f"Invalid data. Expected a dictionary, but got {_type_name(value)}."
    if kind in {"literal_error", "enum"}:
        return f'"{value}" is not a valid choice.'
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return "A valid integer is required."
    if kind in {"greater_than_equal", "greater_than"}:
        return f"Ensure this value is greater than or equal to {ctx.get('ge', ctx.get('gt'))}."
    if kind in {"less_than_equal", "less_than"}:
        return f"Ensure this value is less than or equal to {ctx.get('le', ctx.get('lt'))}."
    if kind in {"datetime_type", "datetime_parsing", "datetime_from_date_parsing"}:
        return "Datetime has wrong format. Use ISO 8601."
    if kind == "value_error" and "email" in str(error.get("msg", "")).lower():
        return "Enter a valid email address."
    return str(error["msg"])


def field_errors(exc: ValidationError) -> FieldErrors:
    errors: FieldErrors = {}
    for error in exc.errors(include_url=False):
        path = ".".join(str(part) for part in error["loc"]) or NON_FIELD_ERRORS
        errors.setdefault(path, []).append(_message(error))
    return errors
