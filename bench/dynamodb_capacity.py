"""What each DynamoDB call costs, recorded through botocore's events.

Every botocore client created after CapacityRecorder.install() reports its
calls while a recording is open: each DynamoDB call with the items it read
and wrote, the capacity the endpoint reports (ReturnConsumedCapacity=TOTAL
is added to every call) and the capacity computed from DynamoDB's documented
rules and the real item sizes; SQS calls are counted by operation.

moto reports a fixed 1.0 (0.5 for GetItem) per call whatever the sizes, and
nothing for transactions, so only the computed figures say what AWS bills.
The rules, from the DynamoDB Developer Guide ("Item sizes and formats",
"Read and write operations", "Transactions: capacity management"):

- an item's size is the sum of its attribute names' and values' sizes:
  strings and binaries their bytes, numbers 1 byte per two significant
  digits plus 1, booleans and nulls 1, lists and maps 3 plus 1 per element;
- GetItem: 1 read unit per 4 KB of the item when strongly consistent, half
  that when eventually consistent; Query: the sizes of all items read,
  summed, then rounded up to 4 KB; a read that finds nothing still costs
  one (half) unit; BatchGetItem: each item found rounded up to 4 KB on its
  own, consistent or not as its table's request says;
- writes: 1 write unit per 1 KB of the larger of the item's images before
  and after the write, at least 1; a write whose condition fails is billed
  as a write of the item as it stands;
- transactional reads and writes cost double;
- every global secondary index whose entry a write adds, changes or removes
  costs write units for the projected entry (twice when its key changes: a
  delete and a put). Index writes are billed as standard writes, inside a
  transaction too. The same writes are also priced as if every index
  projected every attribute (the tables before issue 13), so that both
  designs are compared on one set of calls.

SQS bills a request per 64 KB of its payload (the bodies and attributes of
its messages): a SendMessageBatch of ten small messages is one request.

To know the sizes of the items a write touches, they are read before and
after the write through a client of its own, which is not recorded. Calls
without a rule here (Scan, batches, TransactGetItems, PartiQL) stop a
recording rather than be counted wrong.
"""

import math
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import botocore.session

READ_UNIT_BYTES = 4096
WRITE_UNIT_BYTES = 1024
TRANSACTION_FACTOR = 2
_SIZED_READS = frozenset({"GetItem", "Query", "BatchGetItem"})
_SIZED_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"})
_UNSIZED_DATA_CALLS = frozenset(
    {"BatchWriteItem", "Scan", "TransactGetItems", "ExecuteStatement", "ExecuteTransaction"}
)
_CONTEXT_KEY = "bench_capacity"
CONDITION_FAILED = "ConditionalCheckFailedException"
SQS_BILLED_CHUNK_BYTES = 64 * 1024


def _as_list(value: dict | list) -> list:
    return value if isinstance(value, list) else [value]


def number_size(text: str) -> int:
    digits = text.lstrip("+-").split("E")[0].split("e")[0].replace(".", "").strip("0") or "0"
    return math.ceil(len(digits) / 2) + 1


def value_size(value: dict[str, Any]) -> int:
    ((kind, data),) = value.items()
    if kind == "S":
        return len(data.encode())
    if kind == "N":
        return number_size(data)
    if kind == "B":
        return len(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(element.encode()) for element in data)
    if kind == "NS":
        return sum(number_size(element) for element in data)
    if kind == "BS":
        return sum(len(element) for element in data)
    if kind == "L":
        return 3 + sum(1 + value_size(element) for element in data)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + value_size(element) for name, element in data.items())
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: dict[str, Any] | None) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in (item or {}).items())


def read_units(total_bytes: int, *, consistent: bool) -> float:
    return max(1, math.ceil(total_bytes / READ_UNIT_BYTES)) * (1 if consistent else 0.5)


def write_units(size_bytes: int) -> int:
    return max(1, math.ceil(size_bytes / WRITE_UNIT_BYTES))


@dataclass(frozen=True)
class IndexShape:
    key_names: tuple[str, ...]
    projection: str
    projected_names: frozenset[str]

    def entry(self, item: dict[str, Any] | None, table_keys: tuple[str, ...]) -> dict[str, Any] | None:
        """The item's entry in this index, or None when the item is not in it (sparse index)."""
        if item is None or any(name not in item for name in self.key_names):
            return None
        if self.projection == "ALL":
            return item
        names = set(self.key_names) | set(table_keys) | self.projected_names
        return {name: value for name, value in item.items() if name in names}


@dataclass(frozen=True)
class TableShape:
    key_names: tuple[str, ...]
    indexes: tuple[IndexShape, ...]

    def key_of(self, item: dict[str, Any]) -> dict[str, Any]:
        return {name: item[name] for name in self.key_names}

    def projecting_everything(self) -> "TableShape":
        """The same indexes, each projecting every attribute."""
        indexes = tuple(IndexShape(index.key_names, "ALL", frozenset()) for index in self.indexes)
        return TableShape(self.key_names, indexes)


def index_write_units(table: TableShape, before: dict | None, after: dict | None) -> int:
    units = 0
    for index in table.indexes:
        old, new = index.entry(before, table.key_names), index.entry(after, table.key_names)
        if old == new:
            continue
        if old is None or new is None:
            units += write_units(item_size(old or new))
        elif any(old[name] != new[name] for name in index.key_names):
            units += write_units(item_size(old)) + write_units(item_size(new))
        else:
            units += write_units(max(item_size(old), item_size(new)))
    return units


@dataclass
class CallCost:
    operation: str
    items_read: int = 0
    items_written: int = 0
    reported_units: float = 0.0
    read_units: float = 0.0
    write_units: float = 0.0
    index_write_units: float = 0.0
    # The same write's index units if every index projected every attribute.
    index_write_units_projecting_everything: float = 0.0
    error: str | None = None

    @property
    def label(self) -> str:
        if self.error is None:
            return self.operation
        return f"{self.operation} ({'condition failed' if self.error == CONDITION_FAILED else self.error})"


@dataclass
class CostLog:
    calls: list[CallCost] = field(default_factory=list)
    sqs_calls: Counter = field(default_factory=Counter)
    # By operation, the requests SQS bills for those calls (one per 64 KB of payload).
    sqs_billed_requests: Counter = field(default_factory=Counter)

    @property
    def operations(self) -> Counter:
        return Counter(call.label for call in self.calls)

    def total(self, name: str) -> float:
        return sum(getattr(call, name) for call in self.calls)


@dataclass(frozen=True)
class _WriteTarget:
    table: str
    key: dict[str, Any]
    transactional: bool


class CapacityRecorder:
    """Recordings are opened and closed on the benchmark's one thread."""

    def __init__(self) -> None:
        self._logs: list[CostLog] = []
        self._tables: dict[str, TableShape] = {}
        self._create_client = botocore.session.Session.create_client

    def install(self) -> None:
        """Hook every botocore client created from now on."""
        create_client = self._create_client
        recorder = self

        def create_hooked_client(session: botocore.session.Session, service_name: str, *args: Any, **kwargs: Any):
            client = create_client(session, service_name, *args, **kwargs)
            if service_name == "dynamodb":
                client.meta.events.register("before-parameter-build.dynamodb", recorder._before_dynamodb_call)
                client.meta.events.register("after-call.dynamodb", recorder._after_dynamodb_call)
            elif service_name == "sqs":
                client.meta.events.register("before-parameter-build.sqs", recorder._on_sqs_call)
            return client

        botocore.session.Session.create_client = create_hooked_client  # type: ignore[method-assign]

    @contextmanager
    def recording(self) -> Iterator[CostLog]:
        log = CostLog()
        self._logs.append(log)
        try:
            yield log
        finally:
            self._logs.remove(log)

    def _record(self, call: CallCost) -> None:
        for log in self._logs:
            log.calls.append(call)

    @cached_property
    def _reader(self) -> Any:
        """The client that reads items' images; made unhooked, so its reads are not recorded."""
        return self._create_client(botocore.session.Session(), "dynamodb")

    def _table(self, name: str) -> TableShape:
        if name not in self._tables:
            self._tables[name] = self._describe(name)
        return self._tables[name]

    def _describe(self, name: str) -> TableShape:
        description = self._reader.describe_table(TableName=name)["Table"]
        indexes = tuple(
            IndexShape(
                key_names=tuple(key["AttributeName"] for key in index["KeySchema"]),
                projection=index["Projection"]["ProjectionType"],
                projected_names=frozenset(index["Projection"].get("NonKeyAttributes", [])),
            )
            for index in description.get("GlobalSecondaryIndexes", [])
        )
        return TableShape(key_names=tuple(key["AttributeName"] for key in description["KeySchema"]), indexes=indexes)

    def item_size(self, table: str, key: dict[str, Any]) -> int:
        """The stored item's size as DynamoDB counts it, read without being recorded."""
        return item_size(self._image(_WriteTarget(table, key, transactional=False)))

    def _image(self, target: _WriteTarget) -> dict[str, Any] | None:
        return self._reader.get_item(TableName=target.table, Key=target.key, ConsistentRead=True).get("Item")

    def _write_targets(self, operation: str, params: dict[str, Any]) -> list[_WriteTarget]:
        if operation == "TransactWriteItems":
            targets = []
            for action in params["TransactItems"]:
                ((kind, request),) = action.items()
                if kind == "ConditionCheck":
                    continue
                key = request.get("Key") or self._table(request["TableName"]).key_of(request["Item"])
                targets.append(_WriteTarget(request["TableName"], key, transactional=True))
            return targets
        key = params.get("Key") or self._table(params["TableName"]).key_of(params["Item"])
        return [_WriteTarget(params["TableName"], key, transactional=False)]

    def _before_dynamodb_call(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if not self._logs:
            return
        operation = model.name
        if operation in _UNSIZED_DATA_CALLS:
            raise NotImplementedError(f"the benchmark has no capacity rule for {operation}")
        if operation not in _SIZED_READS | _SIZED_WRITES:
            return
        params.setdefault("ReturnConsumedCapacity", "TOTAL")
        images = []
        if operation in _SIZED_WRITES:
            images = [(target, self._image(target)) for target in self._write_targets(operation, params)]
        context[_CONTEXT_KEY] = (params, images)

    def _after_dynamodb_call(self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if _CONTEXT_KEY not in context:
            return
        params, images = context.pop(_CONTEXT_KEY)
        reported = parsed.get("ConsumedCapacity") or []
        error = parsed.get("Error", {}).get("Code")
        call = CallCost(
            operation=model.name,
            reported_units=sum(part.get("CapacityUnits", 0) for part in _as_list(reported)),
            error=error,
        )
        if error == CONDITION_FAILED:
            # A write whose condition fails is billed as a write of the item as it is.
            for _target, before in images:
                call.write_units += write_units(item_size(before))
        elif error is None and model.name == "GetItem":
            item = parsed.get("Item")
            call.items_read = 1 if item else 0
            call.read_units = read_units(item_size(item), consistent=bool(params.get("ConsistentRead")))
        elif error is None and model.name == "BatchGetItem":
            for table, items in parsed.get("Responses", {}).items():
                consistent = bool(params["RequestItems"][table].get("ConsistentRead"))
                call.items_read += len(items)
                call.read_units += sum(read_units(item_size(item), consistent=consistent) for item in items)
        elif error is None and model.name == "Query":
            # No filter in the recorded paths, so the items returned are the items read.
            call.items_read = parsed.get("ScannedCount", 0)
            total = sum(item_size(item) for item in parsed.get("Items", []))
            call.read_units = read_units(total, consistent=bool(params.get("ConsistentRead")))
        elif error is None:
            for target, before in images:
                after = self._image(target)
                factor = TRANSACTION_FACTOR if target.transactional else 1
                call.items_written += 1
                call.write_units += factor * write_units(max(item_size(before), item_size(after)))
                table = self._table(target.table)
                call.index_write_units += index_write_units(table, before, after)
                call.index_write_units_projecting_everything += index_write_units(
                    table.projecting_everything(), before, after
                )
        self._record(call)

    def _on_sqs_call(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        billed = sqs_billed_requests(params)
        for log in self._logs:
            log.sqs_calls[model.name] += 1
            log.sqs_billed_requests[model.name] += billed


def sqs_billed_requests(params: dict[str, Any]) -> int:
    """What SQS bills for one call: a request per 64 KB of the payload it carries."""
    payload = 0
    for message in params.get("Entries", [params]):
        payload += len(message.get("MessageBody", "").encode())
        for name, value in message.get("MessageAttributes", {}).items():
            payload += len(name.encode()) + len(value["DataType"].encode()) + len(value.get("StringValue", "").encode())
    return max(1, math.ceil(payload / SQS_BILLED_CHUNK_BYTES))
