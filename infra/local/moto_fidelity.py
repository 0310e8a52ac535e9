"""Make moto's DynamoDB behave as DynamoDB does where our code depends on it.

- A conditional write is checked and applied atomically. moto reads the
  item, evaluates the condition and writes with no lock, so two concurrent
  conditional writes can both pass (about one run in thirty of the
  concurrent-registration test did). One lock over the backend's write
  operations restores the guarantee.
- A transaction costs what its items cost. Before a TransactWriteItems, moto
  deep-copies every table it touches, once per item, to roll back on failure:
  a status update then takes O(table size), about 1 s at 2,000 items, past
  the app's 3 s read timeout on a bigger table. An undo log keeps moto's
  all-or-nothing semantics: it saves the items the transaction names and the
  length of each table's stream, and puts them back if moto cancels it.
"""

import copy
import functools
import threading
from collections.abc import Callable
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table

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


class _CopyExceptTables:
    """Stands in for the copy module inside moto's DynamoDB backend, which
    deep-copies a table only to back it up for a transaction."""

    @staticmethod
    def deepcopy(value: Any, memo: dict | None = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


_UndoLog = tuple[list[tuple[Table, Any, Any, Any]], dict[Table, int]]


def _saved_state(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> _UndoLog:
    items = []
    stream_lengths = {}
    for action in transact_items:
        request = next(iter(action.values()))
        table = backend.tables.get(request.get("TableName"))
        if table is None:
            continue
        key = request.get("Key") or {
            name: request["Item"][name] for name in (table.hash_key_attr, table.range_key_attr) if name
        }
        hash_key, range_key = backend.get_keys_value(table, key)
        items.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
        if table.stream_shard is not None:
            stream_lengths[table] = len(table.stream_shard.items)
    return items, stream_lengths


def _restore(undo_log: _UndoLog) -> None:
    items, stream_lengths = undo_log
    for table, hash_key, range_key, item in reversed(items):
        partition = table.items.setdefault(hash_key, {}) if range_key else table.items
        slot = range_key if range_key else hash_key
        if item is None:
            partition.pop(slot, None)
        else:
            partition[slot] = item
        if range_key and not partition:
            table.items.pop(hash_key, None)
    for table, length in stream_lengths.items():
        del table.stream_shard.items[length:]


def undo_logged_transactions() -> None:
    transact_write_items = DynamoDBBackend.transact_write_items
    if getattr(transact_write_items, "__undo_logged__", False):
        return

    @functools.wraps(transact_write_items)
    def undo_logged(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        undo_log = _saved_state(self, transact_items)
        try:
            transact_write_items(self, transact_items)
        except Exception:
            _restore(undo_log)
            raise

    undo_logged.__undo_logged__ = True  # type: ignore[attr-defined]
    dynamodb_models.copy = _CopyExceptTables  # type: ignore[assignment]
    DynamoDBBackend.transact_write_items = undo_logged  # type: ignore[method-assign]


def make_moto_faithful() -> None:
    # The undo log first, then the lock around it: saving the state and writing are one atomic step.
    undo_logged_transactions()
    serialize_dynamodb_writes()
