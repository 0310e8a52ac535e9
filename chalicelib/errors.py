"""Errors the domain and services raise. They know nothing of HTTP;
chalicelib.web.errors maps each to a status code in one place."""

FieldErrors = dict[str, list[str]]


class DomainError(Exception):
    default_detail = "The request could not be processed."

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or self.default_detail
        super().__init__(self.detail)


class InvalidInput(DomainError):
    """Input that breaks a rule, reported per field as DRF does."""

    def __init__(self, field_errors: FieldErrors) -> None:
        self.field_errors = field_errors
        super().__init__(str(field_errors))


class MalformedRequest(DomainError):
    default_detail = "Malformed request."


class PayloadTooLarge(DomainError):
    default_detail = "Request body is too large."


class NotAuthenticated(DomainError):
    default_detail = "Authentication credentials were not provided."


class AuthenticationFailed(DomainError):
    default_detail = "Invalid token."


class InvalidSignature(DomainError):
    """A status report's signature is malformed, out of time, unknown, revoked or
    does not match; or the stage takes signed reports only and none came."""

    default_detail = "Invalid signature."


class InvalidCredentials(DomainError):
    default_detail = "Unable to log in with provided credentials."


class PermissionDenied(DomainError):
    default_detail = "You do not have permission to perform this action."


class NotFound(DomainError):
    default_detail = "Not found."


class Conflict(DomainError):
    """A write that would break uniqueness, reported per field."""

    def __init__(self, field_errors: FieldErrors) -> None:
        self.field_errors = field_errors
        super().__init__(str(field_errors))


class Busy(DomainError):
    """Contention that outlasted our retries; the client may try again shortly."""

    default_detail = "The service is busy. Try again shortly."
    retry_after_seconds = 1


class InvalidState(DomainError):
    """The request is well formed but the resource's state forbids it."""

    default_detail = "This action is not allowed in the current state."


class IdempotencyMismatch(DomainError):
    """An idempotency key sent again with another request than its first."""

    default_detail = "This Idempotency-Key was used with a different request."


class RequestInProgress(DomainError):
    """A request with the same idempotency key is still running."""

    default_detail = "A request with this Idempotency-Key is still being processed. Try again shortly."

    def __init__(self, detail: str | None = None, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after


class TooManyRequests(DomainError):
    default_detail = "Too many requests. Try again later."

    def __init__(self, detail: str | None = None, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after
