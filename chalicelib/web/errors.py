"""The one place where errors become HTTP responses."""

from collections.abc import Callable
from typing import Any

from chalice import Response

from chalicelib import errors
from chalicelib.integrators.signatures import SIGNATURE_HEADER

STATUS_BY_ERROR: dict[type[errors.DomainError], int] = {
    errors.DomainError: 400,
    errors.InvalidInput: 400,
    errors.MalformedRequest: 400,
    errors.NotAuthenticated: 401,
    errors.AuthenticationFailed: 401,
    errors.InvalidCredentials: 401,
    errors.InvalidSignature: 401,
    errors.PermissionDenied: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.InvalidState: 409,
    errors.RequestInProgress: 409,
    errors.IdempotencyMismatch: 422,
    errors.PayloadTooLarge: 413,
    errors.TooManyRequests: 429,
    errors.Busy: 503,
}

# DRF's TokenAuthentication answers 401 with this challenge; seed clients expect it.
AUTH_CHALLENGE = 'Token realm="api"'
SIGNATURE_CHALLENGE = f'{SIGNATURE_HEADER} realm="api"'


def status_for(error: errors.DomainError) -> int:
    return next(STATUS_BY_ERROR[kind] for kind in type(error).__mro__ if kind in STATUS_BY_ERROR)


def domain_error_response(error: errors.DomainError) -> Response:
    status = status_for(error)
    if isinstance(error, errors.InvalidInput | errors.Conflict):
        body: dict = error.field_errors
    else:
        body = {"detail": error.detail}
    headers = {}
    if status == 401:
        signed = isinstance(error, errors.InvalidSignature)
        headers["WWW-Authenticate"] = SIGNATURE_CHALLENGE if signed else AUTH_CHALLENGE
    if isinstance(error, errors.Busy | errors.TooManyRequests | errors.RequestInProgress):
        headers["Retry-After"] = str(error.retry_after_seconds)
    return Response(body=body, status_code=status, headers=headers)


def unexpected_error_response(request_id: str) -> Response:
    return Response(
        body={"detail": "A server error occurred.", "request_id": request_id},
        status_code=500,
    )


def chalice_errors_as_detail(request: Any, get_response: Callable[[Any], Response]) -> Response:
    """HTTP middleware: Chalice's own errors (405, 415) in the same {"detail"} shape as ours."""
    response = get_response(request)
    body = response.body
    if isinstance(body, dict) and set(body) == {"Code", "Message"}:
        response.body = {"detail": body["Message"]}
    return response
