"""A Chalice blueprint whose every route enforces its declared access
(access.py) before its view runs, and maps errors the same way."""

import functools
import inspect
import re
import uuid
from collections.abc import Callable
from typing import Any

from chalice import Blueprint, CORSConfig

from chalicelib.errors import Busy, DomainError
from chalicelib.observability import current_correlation_id, logger
from chalicelib.storage import is_transient
from chalicelib.web.access import CALLER_ARGUMENT, PUBLIC, Access, authorize
from chalicelib.web.errors import domain_error_response, unexpected_error_response
from chalicelib.web.openapi import Operation
from chalicelib.web.openapi import register as register_operation
from chalicelib.web.path_parameters import PathParameter
from chalicelib.web.requests import ACCEPTED_CONTENT_TYPES


def cors_for(origin: str) -> CORSConfig | bool:
    """The app's CORS (Chalice's api.cors, applied to every route): the one
    allowed origin, or none."""
    if not origin:
        return False
    return CORSConfig(allow_origin=origin, allow_headers=["Authorization"], max_age=600)


class ApiBlueprint(Blueprint):
    def route(self, path: str, *, operation: Operation | None = None, **kwargs: Any) -> Callable[..., Any]:
        """Chalice's route, plus its OpenAPI description (pages have none, and are public)."""
        kwargs.setdefault("content_types", ACCEPTED_CONTENT_TYPES)
        parameters = operation.path_parameters if operation is not None else {}
        access = operation.access if operation is not None else PUBLIC
        if operation is not None:
            declared, in_path = set(parameters), set(re.findall(r"{(\w+)}", path))
            if declared != in_path:
                raise ValueError(f"{path}: declares path parameters {sorted(declared)}, has {sorted(in_path)}")
            if access.signed_over is not None and access.signed_over not in declared:
                raise ValueError(f"{path}: signs over {access.signed_over!r}, which is not one of its path parameters")
        register = super().route(path, **kwargs)

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            takes_caller = CALLER_ARGUMENT in inspect.signature(view).parameters
            if takes_caller != access.hands_caller:
                raise ValueError(f"{path}: a view takes `{CALLER_ARGUMENT}` exactly when its route checks a caller")
            if operation is not None:
                register_operation(path, kwargs.get("methods", ["GET"]), operation)
            register(self._enforcing(view, access, parameters))
            return view

        return decorator

    def _enforcing(
        self, view: Callable[..., Any], access: Access, parameters: dict[str, PathParameter]
    ) -> Callable[..., Any]:
        """The view behind its route's access check (before anything else, as DRF
        authenticates before it looks anything up), with errors as answers."""

        @functools.wraps(view)
        def handle(**path_params: str) -> Any:
            try:
                caller = authorize(access, self.current_request, path_params)
                parsed: dict[str, Any] = {
                    name: parameters[name].parse(raw) if name in parameters else raw
                    for name, raw in path_params.items()
                }
                if access.hands_caller:
                    parsed[CALLER_ARGUMENT] = caller
                return view(**parsed)
            except DomainError as error:
                return domain_error_response(error)
            except Exception as error:
                if is_transient(error):
                    logger.warning("storage busy", extra={"path": self._path()}, exc_info=True)
                    return domain_error_response(Busy())
                request_id = self._request_id()
                logger.exception("unhandled error", extra={"request_id": request_id, "path": self._path()})
                return unexpected_error_response(request_id)

        return handle

    def _request_id(self) -> str:
        # The request's correlation id (API Gateway's request id), which its log lines carry; a fresh one where
        # there is none.
        return current_correlation_id() or str(uuid.uuid4())

    def _path(self) -> str:
        return str(self.current_request.context.get("resourcePath", "unknown"))
