"""An app's event handler invoked the way Lambda invokes a function.

Each invocation gets its own context object (request id, remaining time),
is counted, and has its exception logged where it happens; the exception
still reaches the caller, which decides what becomes of the batch, as the
event source mapping does on AWS.
"""

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any], Any], Any]


class LocalContext:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    def __init__(self, function: "LocalFunction") -> None:
        self.function_name = function.function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = function.invoked_function_arn
        self.memory_limit_in_mb = function.memory_limit_in_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function.function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + function.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class LocalFunction:
    def __init__(
        self,
        name: str,
        handler: Handler,
        *,
        function_name: str,
        invoked_function_arn: str,
        memory_limit_in_mb: int,
        timeout_seconds: int,
    ) -> None:
        self.name = name
        self.handler = handler
        self.function_name = function_name
        self.invoked_function_arn = invoked_function_arn
        self.memory_limit_in_mb = memory_limit_in_mb
        self.timeout_seconds = timeout_seconds
        self._invocations = 0
        self._lock = threading.Lock()

    @property
    def invocations(self) -> int:
        with self._lock:
            return self._invocations

    def invoke(self, event: dict[str, Any]) -> Any:
        with self._lock:
            self._invocations += 1
        context = LocalContext(self)
        started = time.monotonic()
        try:
            return self.handler(event, context)
        except Exception:
            logger.exception("%s raised (request %s)", self.name, context.aws_request_id)
            raise
        finally:
            elapsed = time.monotonic() - started
            # Lambda would have stopped the function and retried the batch;
            # locally it runs on, so say so.
            if elapsed > self.timeout_seconds:
                logger.warning(
                    "%s ran %.1f s, past its %d s timeout (request %s)",
                    self.name,
                    elapsed,
                    self.timeout_seconds,
                    context.aws_request_id,
                )
