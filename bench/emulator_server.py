"""The benchmarks' emulator: infra.local's moto server, with transactions that
cost what their items cost: `python -m bench.emulator_server -H HOST -p PORT`.

Before a TransactWriteItems, moto deep-copies the whole table once per item
in the transaction (items and stream records, about 0.15 ms each here), to
roll back on failure. A status update then costs O(table size): about 1 s
at 2,000 items, and 1,000 status events could not finish in minutes. DynamoDB's
cost does not depend on the table's size, so this server keeps moto's
semantics with an undo log instead: it saves the items the transaction
names and the length of each table's stream, lets moto run with the table
copies skipped, and puts those back if moto cancels the transaction.
"""

import copy
import functools
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table
from moto.server import main

from infra.local.moto_fidelity import serialize_dynamodb_writes


class _CopyExceptTables:
    """Stands in for the copy module inside moto's DynamoDB backend, which
    deep-copies a table only to back it up for a transaction."""

    @staticmethod
    def deepcopy(value: Any, memo: dict | None = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _saved_state(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> tuple[list, dict]:
    items = []
    stream_lengths = {}
    for action in transact_items:
        _, request = next(iter(action.items()))
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


def _restore(items: list, stream_lengths: dict) -> None:
    for table, hash_key, range_key, item in reversed(items):
        partition = table.items[hash_key] if range_key else table.items
        slot = range_key if range_key else hash_key
        if item is None:
            partition.pop(slot, None)
        else:
            partition[slot] = item
    for table, length in stream_lengths.items():
        del table.stream_shard.items[length:]


def undo_logged_transactions() -> None:
    transact_write_items = DynamoDBBackend.transact_write_items

    @functools.wraps(transact_write_items)
    def undo_logged(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        items, stream_lengths = _saved_state(self, transact_items)
        try:
            transact_write_items(self, transact_items)
        except Exception:
            _restore(items, stream_lengths)
            raise

    dynamodb_models.copy = _CopyExceptTables  # type: ignore[assignment]
    DynamoDBBackend.transact_write_items = undo_logged  # type: ignore[method-assign]


if __name__ == "__main__":
    undo_logged_transactions()
    # Serialized around the undo log: the saved state and the writes are one atomic step.
    serialize_dynamodb_writes()
    main()
