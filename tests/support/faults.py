"""Make AWS calls fail on purpose, below the SDK, so its retries run for real.

A fault plan says which operation of which service answers with which error,
how many times. Every botocore client made after tests.support.botocore_hooks.install()
consults it before sending a request; a planned fault becomes the HTTP
response DynamoDB or SQS would give, which botocore then parses, retries and
finally raises exactly as it would in production.
"""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from botocore.awsrequest import AWSPreparedRequest, AWSResponse

THROTTLED = ("ProvisionedThroughputExceededException", "The level of configured provisioned throughput was exceeded")


@dataclass
class Fault:
    service: str
    operation: str
    code: str
    message: str
    times: int
    cancellation_reasons: list[dict] | None = None
    status: int = 400
    sent: int = 0


class _RawBody:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: object) -> Iterator[bytes]:
        yield self._body


_plan: list[Fault] = []
_lock = threading.Lock()


def _response_for(fault: Fault, url: str) -> AWSResponse:
    body: dict[str, object] = {"__type": f"com.amazonaws.dynamodb.v20120810#{fault.code}", "message": fault.message}
    if fault.cancellation_reasons is not None:
        body["CancellationReasons"] = fault.cancellation_reasons
    headers = {"x-amzn-ErrorType": fault.code, "Content-Type": "application/x-amz-json-1.0"}
    if fault.service == "sqs":
        body["__type"] = f"com.amazonaws.sqs#{fault.code}"
        headers = {"x-amzn-query-error": f"{fault.code};Sender", "Content-Type": "application/x-amz-json-1.0"}
    return AWSResponse(url, fault.status, headers, _RawBody(json.dumps(body).encode()))


# botocore runs every before-send handler and uses the first response; moto's
# handler, which runs after ours, would still carry the request out. Pointed
# here, the request matches none of moto's services and is left alone.
_NOWHERE = "https://fault-injected.invalid/"


def _before_send(request: AWSPreparedRequest, event_name: str, **_: object) -> AWSResponse | None:
    _, service, operation = event_name.split(".")[:3]
    with _lock:
        for fault in _plan:
            if (fault.service, fault.operation) == (service, operation) and fault.sent < fault.times:
                fault.sent += 1
                response = _response_for(fault, request.url)
                request.url = _NOWHERE
                return response
    return None


def attach_fault_injector(service_name: str, client: object) -> None:
    """A client hook (tests.support.botocore_hooks): consult the fault plan before each request.
    First, so that it answers before moto's own handler does."""
    client.meta.events.register_first(f"before-send.{service_name}", _before_send)  # type: ignore[attr-defined]


@contextmanager
def faults(*planned: Fault) -> Iterator[list[Fault]]:
    with _lock:
        _plan.extend(planned)
    try:
        yield list(planned)
    finally:
        with _lock:
            for fault in planned:
                _plan.remove(fault)
