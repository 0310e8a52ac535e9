"""Make AWS calls fail on purpose, below the SDK, so its retries run for real.

A fault plan says which operation of which service answers with which error,
how many times. Every botocore client made after tests.support.botocore_hooks.install()
consults it before sending a request; a planned fault becomes the HTTP
response DynamoDB or SQS would give, which botocore then parses, retries and
finally raises exactly as it would in production.

A fault `after_send` lets the call through instead: the service carries it
out (DynamoDB commits it), and then the caller never learns it, because the
process died (ProcessDied, which no handler of ours catches) or the answer
was lost on the way (e.g. botocore's ReadTimeoutError, after the SDK's retries).
"""

import json
import threading
from collections.abc import Callable, Iterator
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
    # Carried out by the service, then what this makes is raised to the caller.
    after_send: Callable[[], BaseException] | None = None


class ProcessDied(BaseException):
    """The process was killed right after a call: nothing of ours runs after it."""


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


def _planned(service: str, operation: str, *, after_send: bool) -> Fault | None:
    """The next fault planned for this call, counted as sent."""
    with _lock:
        for fault in _plan:
            matches = (fault.service, fault.operation) == (service, operation) and fault.sent < fault.times
            if matches and (fault.after_send is not None) == after_send:
                fault.sent += 1
                return fault
    return None


def _after_call(event_name: str, **_: object) -> None:
    _, service, operation = event_name.split(".")[:3]
    fault = _planned(service, operation, after_send=True)
    if fault is not None and fault.after_send is not None:
        raise fault.after_send()


def _before_send(request: AWSPreparedRequest, event_name: str, **_: object) -> AWSResponse | None:
    _, service, operation = event_name.split(".")[:3]
    fault = _planned(service, operation, after_send=False)
    if fault is None:
        return None
    response = _response_for(fault, request.url)
    request.url = _NOWHERE
    return response


def attach_fault_injector(service_name: str, client: object) -> None:
    """A client hook (tests.support.botocore_hooks): consult the fault plan before each request.
    First, so that it answers before moto's own handler does."""
    client.meta.events.register_first(f"before-send.{service_name}", _before_send)  # type: ignore[attr-defined]
    client.meta.events.register(f"after-call.{service_name}", _after_call)  # type: ignore[attr-defined]


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
