"""Count DynamoDB and SQS API calls through botocore's event system.

Every botocore client made after tests.support.botocore_hooks.install() reports each
call it makes (PutItem, Query, TransactWriteItems, SendMessageBatch, ...),
whichever code created it: PynamoDB models, PynamoDB transactions or boto3.
"""

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

READ_CALLS = frozenset({"GetItem", "Query", "BatchGetItem", "TransactGetItems", "Scan"})
WRITE_CALLS = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems", "ExecuteTransaction"}
)


class CallLog:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def record(self, operation: str) -> None:
        with self._lock:
            self.calls.append(operation)

    @property
    def counts(self) -> Counter:
        return Counter(self.calls)

    @property
    def reads(self) -> int:
        return sum(1 for call in self.calls if call in READ_CALLS)

    @property
    def writes(self) -> int:
        return sum(1 for call in self.calls if call in WRITE_CALLS)


RECORDED_SERVICES = ("dynamodb", "sqs")
_active: list[tuple[str, CallLog]] = []


def _on_call(model: object, event_name: str, **_: object) -> None:
    service = event_name.split(".")[1]
    for recorded, log in _active:
        if recorded == service:
            log.record(model.name)  # type: ignore[attr-defined]


def attach_call_recorder(service_name: str, client: object) -> None:
    """A client hook (tests.support.botocore_hooks): report each DynamoDB and SQS call."""
    if service_name in RECORDED_SERVICES:
        client.meta.events.register(f"before-call.{service_name}", _on_call)  # type: ignore[attr-defined]


@contextmanager
def recorded_calls(service: str) -> Iterator[CallLog]:
    entry = (service, CallLog())
    _active.append(entry)
    try:
        yield entry[1]
    finally:
        _active.remove(entry)


def recorded_dynamodb_calls() -> AbstractContextManager[CallLog]:
    return recorded_calls("dynamodb")


def recorded_sqs_calls() -> AbstractContextManager[CallLog]:
    return recorded_calls("sqs")
