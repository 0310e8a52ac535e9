"""Make moto's DynamoDB keep the promise our code relies on: a conditional
write is checked and applied atomically.

moto reads the item, evaluates the condition and writes with no lock, so two
concurrent conditional writes can both pass (about one run in thirty of the
concurrent-registration test did). DynamoDB never allows that. One lock over
the backend's write operations restores the guarantee.
"""

import functools
import threading
from collections.abc import Callable
from typing import Any

from moto.dynamodb.models import DynamoDBBackend

_WRITE_OPERATIONS = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")
_lock = threading.RLock()


def _serialized(operation: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(operation)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _lock:
            return operation(*args, **kwargs)

    locked.__wrapped_by_catalyst__ = True  # type: ignore[attr-defined]
    return locked


def serialize_dynamodb_writes() -> None:
    for name in _WRITE_OPERATIONS:
        operation = getattr(DynamoDBBackend, name, None)
        if operation is not None and not getattr(operation, "__wrapped_by_catalyst__", False):
            setattr(DynamoDBBackend, name, _serialized(operation))
