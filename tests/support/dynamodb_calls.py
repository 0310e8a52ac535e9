"""Count DynamoDB API calls through botocore's event system.

Every botocore client made after tests.support.botocore_hooks.install() reports each
DynamoDB call it makes (PutItem, Query, TransactWriteItems, ...), whichever
code created it: PynamoDB models, PynamoDB transactions or boto3.
"""

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

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


_active: list[CallLog] = []


def _on_dynamodb_call(model: object, **_: object) -> None:
    for log in _active:
        log.record(model.name)  # type: ignore[attr-defined]


def attach_call_recorder(service_name: str, client: object) -> None:
    """A client hook (tests.support.botocore_hooks): report each DynamoDB call."""
    if service_name == "dynamodb":
        client.meta.events.register("before-call.dynamodb", _on_dynamodb_call)  # type: ignore[attr-defined]


@contextmanager
def recorded_dynamodb_calls() -> Iterator[CallLog]:
    log = CallLog()
    _active.append(log)
    try:
        yield log
    finally:
        _active.remove(log)
