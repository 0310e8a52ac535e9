"""The local event source mappings.

First the pollers alone, driven in-process against the emulator with a
stand-in handler; then the app's own handlers, run by the runner (stage
`test`), end to end over SQS, DynamoDB and HTTP.
"""

import base64
import hashlib
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from infra.local.emulator import Emulator
from infra.local.event_sources import DynamoDBStreamPoller, EventSourcePoller, SqsPoller
from infra.local.lambda_functions import LocalFunction
from infra.local.waiters import wait_until_active
from tests.integration.conftest import LocalStack, aws_client

DEADLINE_SECONDS = 20
REGION = "us-east-1"


def eventually(check: Callable[[], Any], what: str, timeout: float = DEADLINE_SECONDS, interval: float = 0.2) -> Any:
    """check()'s first truthy result; the test fails if none comes before the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout} s: {what}")
        time.sleep(interval)


def drive(poller: EventSourcePoller, done: Callable[[], bool], what: str) -> None:
    """Run the poller's rounds in this thread until done()."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not done():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {DEADLINE_SECONDS} s: {what}")
        poller.poll_once()


class RecordingHandler:
    """Stands in for an app handler: keeps every event and context, answers with answer(records)."""

    def __init__(self, answer: Callable[[list[dict[str, Any]]], Any] = lambda records: None) -> None:
        self.answer = answer
        self.events: list[dict[str, Any]] = []
        self.contexts: list[Any] = []

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        self.events.append(event)
        self.contexts.append(context)
        return self.answer(event["Records"])

    @property
    def records(self) -> list[dict[str, Any]]:
        return [record for event in self.events for record in event["Records"]]


def local_function(handler: RecordingHandler) -> LocalFunction:
    return LocalFunction(
        "recording",
        handler,
        function_name="catalyst-test-recording",
        invoked_function_arn=f"arn:aws:lambda:{REGION}:000000000000:function:catalyst-test-recording",
        memory_limit_in_mb=256,
        timeout_seconds=3,
    )


# --- SQS poller -------------------------------------------------------------


@dataclass
class QueueUnderTest:
    sqs: Any
    url: str
    arn: str
    dead_letter_url: str

    def send(self, *bodies: str, **attributes: dict[str, Any]) -> list[str]:
        entries = [
            {"Id": str(index), "MessageBody": body, "MessageAttributes": attributes}
            for index, body in enumerate(bodies)
        ]
        response = self.sqs.send_message_batch(QueueUrl=self.url, Entries=entries)
        assert not response.get("Failed"), response
        return [entry["MessageId"] for entry in sorted(response["Successful"], key=lambda entry: int(entry["Id"]))]

    def depth(self, url: str | None = None) -> int:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        attributes = self.sqs.get_queue_attributes(QueueUrl=url or self.url, AttributeNames=names)["Attributes"]
        return sum(int(attributes[name]) for name in names)

    def poller(self, handler: RecordingHandler, *, batch_size: int = 10, window: float = 0) -> SqsPoller:
        return SqsPoller(
            local_function(handler),
            sqs=self.sqs,
            queue_url=self.url,
            queue_arn=self.arn,
            batch_size=batch_size,
            batching_window_seconds=window,
        )


def _queue_arn(sqs: Any, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


@pytest.fixture
def queue(emulator: Emulator) -> QueueUnderTest:
    """A fresh queue whose messages come back after 1 s and go to its DLQ after 2 receives.

    Pollers on it use batching windows under 1 s: a longer one would see a
    message come back within its own batch."""
    sqs = aws_client(emulator, "sqs")
    name = f"poller-{uuid.uuid4().hex[:10]}"
    dead_letter_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    redrive = {"deadLetterTargetArn": _queue_arn(sqs, dead_letter_url), "maxReceiveCount": "2"}
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "1", "RedrivePolicy": json.dumps(redrive)})[
        "QueueUrl"
    ]
    return QueueUnderTest(sqs=sqs, url=url, arn=_queue_arn(sqs, url), dead_letter_url=dead_letter_url)


def test_sqs_handler_gets_a_lambda_event_built_from_the_received_messages(queue: QueueUnderTest) -> None:
    text_ids = queue.send("first", "second", kind={"DataType": "String", "StringValue": "report"})
    [binary_id] = queue.send("third", blob={"DataType": "Binary", "BinaryValue": b"\x00\xff"})
    handler = RecordingHandler()
    poller = queue.poller(handler, window=0.5)

    drive(poller, lambda: len(handler.records) == 3, "three records reach the handler")

    records = {record["messageId"]: record for record in handler.records}
    assert set(records) == {*text_ids, binary_id}
    for record in records.values():
        assert record["receiptHandle"]
        assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()  # noqa: S324 (SQS's checksum)
        assert record["eventSource"] == "aws:sqs"
        assert record["eventSourceARN"] == queue.arn
        assert record["awsRegion"] == REGION
        assert record["attributes"]["ApproximateReceiveCount"] == "1"
        assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(record["attributes"])
    assert records[text_ids[0]]["body"] == "first"
    assert records[text_ids[0]]["messageAttributes"] == {
        "kind": {"stringValue": "report", "stringListValues": [], "binaryListValues": [], "dataType": "String"}
    }
    assert records[binary_id]["messageAttributes"] == {
        "blob": {
            "binaryValue": base64.b64encode(b"\x00\xff").decode(),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "Binary",
        }
    }
    assert queue.depth() == 0
    assert poller.invocations == len(handler.events)
    context = handler.contexts[0]
    assert context.function_name == "catalyst-test-recording"
    assert context.memory_limit_in_mb == 256
    assert context.invoked_function_arn.endswith(":function:catalyst-test-recording")
    assert 0 < context.get_remaining_time_in_millis() <= 3000
    assert len({context.aws_request_id for context in handler.contexts}) == len(handler.contexts)


def test_sqs_batches_hold_at_most_batch_size_messages(queue: QueueUnderTest) -> None:
    sent = queue.send(*[f"message {number}" for number in range(7)])
    handler = RecordingHandler()
    poller = queue.poller(handler, batch_size=3, window=0.5)

    drive(poller, lambda: len(handler.records) == 7, "seven records reach the handler")

    assert [len(event["Records"]) for event in handler.events] == [3, 3, 1]
    assert sorted(record["messageId"] for record in handler.records) == sorted(sent)
    assert poller.invocations == 3
    assert queue.depth() == 0


def test_sqs_messages_arriving_within_the_batching_window_join_the_batch(queue: QueueUnderTest) -> None:
    handler = RecordingHandler()
    poller = queue.poller(handler, batch_size=10, window=0.8)
    queue.send("early")
    round_ = threading.Thread(target=poller.poll_once)
    round_.start()
    time.sleep(0.3)  # within the window, whether or not "early" was received yet
    queue.send("late")
    round_.join(timeout=10)

    assert [sorted(record["body"] for record in event["Records"]) for event in handler.events] == [["early", "late"]]
    assert poller.invocations == 1


def test_sqs_failures_are_redelivered_and_end_in_the_dead_letter_queue(queue: QueueUnderTest) -> None:
    def fail_poison(records: list[dict[str, Any]]) -> dict[str, Any]:
        failures = [record["messageId"] for record in records if record["body"] == "poison"]
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failures]}

    ok_id, poison_id = queue.send("ok", "poison")
    handler = RecordingHandler(fail_poison)
    poller = queue.poller(handler)

    drive(poller, lambda: queue.depth(queue.dead_letter_url) == 1, "the poison message reaches the DLQ")

    deliveries = [(record["messageId"], record["attributes"]["ApproximateReceiveCount"]) for record in handler.records]
    assert deliveries.count((ok_id, "1")) == 1
    assert [count for message_id, count in deliveries if message_id == poison_id] == ["1", "2"]
    assert len(deliveries) == 3
    assert queue.depth() == 0
    dead = queue.sqs.receive_message(QueueUrl=queue.dead_letter_url, WaitTimeSeconds=1)["Messages"]
    assert [(message["MessageId"], message["Body"]) for message in dead] == [(poison_id, "poison")]
    assert poller.invocations == len(handler.events)


def _raise(records: list[dict[str, Any]]) -> None:
    raise RuntimeError("handler bug")


def _report_unknown(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"batchItemFailures": [{"itemIdentifier": "not-in-this-batch"}]}


def _report_without_id(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"batchItemFailures": [{}]}


@pytest.mark.parametrize("first_answer", [_raise, _report_unknown, _report_without_id])
def test_sqs_a_failed_batch_deletes_nothing(
    queue: QueueUnderTest, first_answer: Callable[[list[dict[str, Any]]], Any]
) -> None:
    answers = iter([first_answer])
    handler = RecordingHandler(lambda records: next(answers, lambda _: None)(records))
    sent = queue.send("one", "two")
    poller = queue.poller(handler)

    drive(poller, lambda: len(handler.records) >= 4, "both messages are delivered twice")

    first, *again = handler.events
    assert sorted(record["messageId"] for record in first["Records"]) == sorted(sent)
    redelivered = [record for event in again for record in event["Records"]]
    assert sorted(record["messageId"] for record in redelivered) == sorted(sent)
    assert {record["attributes"]["ApproximateReceiveCount"] for record in redelivered} == {"2"}
    assert queue.depth() == 0
    assert queue.depth(queue.dead_letter_url) == 0
    assert poller.invocations == len(handler.events)


def test_sqs_poller_thread_outlives_handler_exceptions_and_stops_promptly(queue: QueueUnderTest) -> None:
    calls = iter(range(1_000))

    def flaky(records: list[dict[str, Any]]) -> None:
        if next(calls) == 0:
            raise RuntimeError("first call fails")

    handler = RecordingHandler(flaky)
    poller = queue.poller(handler)
    poller.start()
    try:
        sent = queue.send("a", "b", "c")
        eventually(lambda: queue.depth() == 0, "the thread handles every message after the exception")
    finally:
        started = time.monotonic()
        poller.stop()
        stopped_in = time.monotonic() - started
    assert {record["messageId"] for record in handler.records} == set(sent)
    assert poller.invocations == len(handler.events) >= 2
    assert stopped_in < 4


# --- DynamoDB stream poller -------------------------------------------------


@dataclass
class StreamUnderTest:
    dynamodb: Any
    streams: Any
    table: str
    arn: str

    def poller(self, handler: RecordingHandler, *, batch_size: int) -> DynamoDBStreamPoller:
        return DynamoDBStreamPoller(
            local_function(handler),
            streams=self.streams,
            stream_arn=self.arn,
            starting_position="TRIM_HORIZON",
            batch_size=batch_size,
            batching_window_seconds=0,
        )


@pytest.fixture
def stream(emulator: Emulator) -> StreamUnderTest:
    """A fresh table with a NEW_AND_OLD_IMAGES stream holding five INSERTs and one MODIFY."""
    dynamodb = aws_client(emulator, "dynamodb")
    table = f"stream-{uuid.uuid4().hex[:10]}"
    description = dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    wait_until_active(dynamodb, table, delay_seconds=1)
    for number in range(1, 6):
        item = {"pk": {"S": f"item-{number}"}, "n": {"N": str(number)}, "blob": {"B": b"\x01\x02"}}
        dynamodb.put_item(TableName=table, Item=item)
    dynamodb.update_item(
        TableName=table,
        Key={"pk": {"S": "item-1"}},
        UpdateExpression="SET n = :n",
        ExpressionAttributeValues={":n": {"N": "10"}},
    )
    return StreamUnderTest(dynamodb, aws_client(emulator, "dynamodbstreams"), table, description["LatestStreamArn"])


def _keys(records: list[dict[str, Any]]) -> list[str]:
    return [record["dynamodb"]["Keys"]["pk"]["S"] for record in records]


ALL_KEYS = ["item-1", "item-2", "item-3", "item-4", "item-5", "item-1"]


def test_stream_records_reach_the_handler_in_order_as_a_lambda_event(stream: StreamUnderTest) -> None:
    handler = RecordingHandler()
    poller = stream.poller(handler, batch_size=2)

    drive(poller, lambda: len(handler.records) == 6, "six records reach the handler")

    records = handler.records
    assert [len(event["Records"]) for event in handler.events] == [2, 2, 2]
    assert _keys(records) == ALL_KEYS
    assert [record["eventName"] for record in records] == ["INSERT"] * 5 + ["MODIFY"]
    sequence_numbers = [int(record["dynamodb"]["SequenceNumber"]) for record in records]
    assert sequence_numbers == sorted(set(sequence_numbers))
    for record in records:
        assert record["eventSource"] == "aws:dynamodb"
        assert record["eventSourceARN"] == stream.arn
        assert record["awsRegion"] == REGION
        assert record["eventID"]
        assert record["eventVersion"]
        change = record["dynamodb"]
        assert change["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert isinstance(change["ApproximateCreationDateTime"], int)
        assert abs(change["ApproximateCreationDateTime"] - time.time()) < 300
        assert change["SizeBytes"] > 0
    inserted, modified = records[0]["dynamodb"], records[5]["dynamodb"]
    assert inserted["NewImage"] == {"pk": {"S": "item-1"}, "n": {"N": "1"}, "blob": {"B": "AQI="}}
    assert "OldImage" not in inserted
    assert modified["OldImage"]["n"] == {"N": "1"}
    assert modified["NewImage"]["n"] == {"N": "10"}
    assert json.loads(json.dumps(handler.events)) == handler.events  # plain JSON, as Lambda delivers it
    assert poller.invocations == 3


def _fail_item_2_once() -> Callable[[list[dict[str, Any]]], Any]:
    failed = []

    def answer(records: list[dict[str, Any]]) -> dict[str, Any]:
        for record in records:
            if record["dynamodb"]["Keys"]["pk"]["S"] == "item-2" and not failed:
                failed.append(record)
                return {"batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]}
        return {"batchItemFailures": []}

    return answer


def _raise_once() -> Callable[[list[dict[str, Any]]], Any]:
    calls = iter(range(1_000))

    def answer(records: list[dict[str, Any]]) -> None:
        if next(calls) == 0:
            raise RuntimeError("handler bug")

    return answer


@pytest.mark.parametrize(
    ("answer", "retried_from"),
    [(_fail_item_2_once, "item-2"), (_raise_once, "item-1")],
    ids=["reported failure", "exception"],
)
def test_stream_retries_from_the_failure_and_skips_nothing(
    stream: StreamUnderTest, answer: Callable[[], Callable[[list[dict[str, Any]]], Any]], retried_from: str
) -> None:
    handler = RecordingHandler(answer())
    poller = stream.poller(handler, batch_size=3)

    drive(poller, lambda: len(handler.events) >= 2 and _keys(handler.records)[-1:] == ["item-1"], "all records")

    first, *rest = handler.events
    assert _keys(first["Records"]) == ["item-1", "item-2", "item-3"]
    retried = [record for event in rest for record in event["Records"]]
    start = ALL_KEYS.index(retried_from)
    assert _keys(retried) == ALL_KEYS[start:]
    failed_at = first["Records"][start]["dynamodb"]["SequenceNumber"]
    assert retried[0]["dynamodb"]["SequenceNumber"] == failed_at
    assert poller.invocations == len(handler.events)


# --- end to end: the app's handlers under the runner --------------------------

STATUS_EVENTS = "catalyst-test-ticket-status-events"
STATUS_EVENTS_DLQ = "catalyst-test-ticket-status-events-dlq"
ORDER_EVENTS = "catalyst-test-order-events"
EXPIRING_TABLE = "catalyst-test-expiring"


@dataclass
class Order:
    stack: LocalStack
    order_id: int
    ticket_code: str
    auth: dict[str, str]

    def detail(self) -> dict[str, Any]:
        response = requests.get(self.stack.url(f"/api/orders/{self.order_id}/"), headers=self.auth, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def ticket(self) -> dict[str, Any]:
        return self.detail()["tickets"][0]


@pytest.fixture
def order(local_stack: LocalStack) -> Order:
    auth = {"Authorization": f"Token {local_stack.register()}"}
    body = {"customer_name": "Ann", "customer_phone": "+1 555 0100", "tickets": [{"product_codes": ["A"]}]}
    response = requests.post(local_stack.url("/api/orders/create/"), json=body, headers=auth, timeout=30)
    assert response.status_code == 201, response.text
    created = response.json()
    return Order(local_stack, created["order_id"], created["tickets"][0]["code"], auth)


def _queue_url(stack: LocalStack, name: str) -> str:
    return stack.client("sqs").get_queue_url(QueueName=name)["QueueUrl"]


def send_status_events(stack: LocalStack, *bodies: dict[str, Any] | str) -> list[str]:
    """One SendMessageBatch onto the status events queue; the message ids, in order."""
    entries = [
        {"Id": str(index), "MessageBody": body if isinstance(body, str) else json.dumps(body)}
        for index, body in enumerate(bodies)
    ]
    response = stack.client("sqs").send_message_batch(QueueUrl=_queue_url(stack, STATUS_EVENTS), Entries=entries)
    assert not response.get("Failed"), response
    return [entry["MessageId"] for entry in sorted(response["Successful"], key=lambda entry: int(entry["Id"]))]


def runner_log(stack: LocalStack) -> list[dict[str, Any]]:
    """The runner's JSON log lines (the app's logger), parsed."""
    lines = []
    for line in stack.log_path.read_text().splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return lines


def outcome_of(stack: LocalStack, message_id: str) -> str:
    """What the consumer did with one message, from its "status event taken" log line."""

    def logged() -> str | None:
        for line in runner_log(stack):
            if line.get("message") == "status event taken" and line.get("message_id") == message_id:
                return line["outcome"]
        return None

    return eventually(logged, f"the consumer logs taking message {message_id}")


def peek_dead_letters(stack: LocalStack) -> list[dict[str, Any]]:
    """The DLQ's messages, left visible for the next look."""
    return (
        stack.client("sqs")
        .receive_message(
            QueueUrl=_queue_url(stack, STATUS_EVENTS_DLQ),
            MaxNumberOfMessages=10,
            VisibilityTimeout=0,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        .get("Messages", [])
    )


def test_the_test_stage_queue_redelivers_after_six_times_its_handler_timeout(local_stack: LocalStack) -> None:
    sqs = local_stack.client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=_queue_url(local_stack, STATUS_EVENTS), AttributeNames=["All"])[
        "Attributes"
    ]
    assert attributes["VisibilityTimeout"] == "7"  # 6 x the 1 s timeout + the 1 s batching window
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(f":{STATUS_EVENTS_DLQ}")
    assert int(redrive["maxReceiveCount"]) == 5


def test_a_status_event_changes_the_ticket_and_is_published(order: Order) -> None:
    [message_id] = send_status_events(
        order.stack, {"ticket_code": order.ticket_code, "status": "DONE", "event_id": "e-1"}
    )

    ticket = eventually(lambda: (t := order.ticket())["status"] == "DONE" and t, "the ticket becomes DONE")
    assert [
        (change["source"], change["event_id"], change["from_status"], change["to_status"])
        for change in ticket["history"]
    ] == [("sqs", "e-1", "NEW", "DONE")]
    assert order.detail()["status"] == "COMPLETED"
    assert outcome_of(order.stack, message_id) == "applied"

    sqs, url = order.stack.client("sqs"), _queue_url(order.stack, ORDER_EVENTS)
    published: list[dict[str, Any]] = []

    def changes_published() -> bool:
        response = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"]
        )
        for message in response.get("Messages", []):
            body = json.loads(message["Body"])
            if body.get("order_id") == order.order_id:
                assert message["MessageAttributes"]["type"]["StringValue"] == body["type"]
                published.append(body)
        changes = {(body["type"], body["from_status"], body["to_status"]) for body in published}
        return {("ticket.status_changed", "NEW", "DONE"), ("order.status_changed", "PENDING", "COMPLETED")} <= changes

    eventually(changes_published, "the ticket's and the order's changes on the order-events queue", interval=0)
    ticket_change = next(
        body for body in published if body["type"] == "ticket.status_changed" and body["to_status"] == "DONE"
    )
    assert ticket_change["ticket_code"] == order.ticket_code


def test_a_garbage_message_is_dead_lettered_while_its_batch_mate_is_applied(order: Order) -> None:
    report = {"ticket_code": order.ticket_code, "status": "IN_PROGRESS", "event_id": "e-1"}
    _, garbage_id = send_status_events(order.stack, report, "not json")

    eventually(lambda: order.ticket()["status"] == "IN_PROGRESS", "the batch-mate is applied")

    def dead_lettered() -> dict[str, Any] | None:
        for message in peek_dead_letters(order.stack):
            if message["MessageAttributes"].get("source_message_id", {}).get("StringValue") == garbage_id:
                return message
        return None

    message = eventually(dead_lettered, "the garbage reaches the DLQ")
    assert message["Body"] == "not json"
    assert message["MessageAttributes"]["dead_letter_reason"]["StringValue"].startswith("invalid status event")


def test_an_event_id_is_applied_once(order: Order) -> None:
    report = {"ticket_code": order.ticket_code, "status": "IN_PROGRESS", "event_id": "dup-1"}
    in_one_batch = send_status_events(order.stack, report, report)
    later = send_status_events(order.stack, report)

    outcomes = [outcome_of(order.stack, message_id) for message_id in in_one_batch + later]
    assert sorted(outcomes) == ["applied", "duplicate", "duplicate"]
    ticket = order.ticket()
    assert ticket["status"] == "IN_PROGRESS"
    assert [change["event_id"] for change in ticket["history"]] == ["dup-1"]


def test_an_event_older_than_the_last_applied_one_is_stale(order: Order) -> None:
    now = datetime.now(UTC)
    newer = {
        "ticket_code": order.ticket_code,
        "status": "DONE",
        "event_id": "s-1",
        "occurred_at": (now - timedelta(minutes=1)).isoformat(),
    }
    [newer_id] = send_status_events(order.stack, newer)
    assert outcome_of(order.stack, newer_id) == "applied"
    older = {**newer, "status": "IN_PROGRESS", "event_id": "s-2", "occurred_at": (now - timedelta(hours=1)).isoformat()}
    [older_id] = send_status_events(order.stack, older)

    assert outcome_of(order.stack, older_id) == "stale"
    ticket = order.ticket()
    assert ticket["status"] == "DONE"
    assert [change["event_id"] for change in ticket["history"]] == ["s-1"]


def test_a_message_for_an_unknown_ticket_ends_in_the_dead_letter_queue_with_its_reason(
    local_stack: LocalStack,
) -> None:
    # The slow one: five receives 6 s apart, then the redrive policy moves it (~30 s).
    unknown = str(uuid.uuid4())
    [message_id] = send_status_events(local_stack, {"ticket_code": unknown, "status": "DONE"})

    def dead_lettered() -> dict[str, Any] | None:
        return next((m for m in peek_dead_letters(local_stack) if m["MessageId"] == message_id), None)

    message = eventually(dead_lettered, "the message reaches the DLQ", timeout=75, interval=1)
    assert json.loads(message["Body"])["ticket_code"] == unknown
    failure = local_stack.client("dynamodb").get_item(
        TableName=EXPIRING_TABLE, Key={"pk": {"S": f"FAILURE#{message_id}"}}, ConsistentRead=True
    )["Item"]
    assert failure["reason"]["S"] == f"ticket {unknown} is not known"
    assert failure["attempts"]["N"] == "5"
    attempts = [
        line["receive_count"]
        for line in runner_log(local_stack)
        if line.get("message", "").startswith("status event failed") and line.get("message_id") == message_id
    ]
    assert attempts == [1, 2, 3, 4, 5]


def test_a_redrive_moves_each_dead_letter_once_while_the_consumer_runs(local_stack: LocalStack) -> None:
    """The consumer dead-letters each moved copy again at once (still not JSON): the
    redrive must not chase those copies, and must end."""
    local_stack.cli("dlq", "purge", "--queue", "status-events", "--yes")
    bodies = [f"not json {uuid.uuid4().hex}" for _ in range(10)]
    send_status_events(local_stack, *bodies)

    def dead_bodies() -> Counter:
        # The queue's own name: the same queue as its alias, status-events.
        listed = json.loads(local_stack.cli("dlq", "list", "--queue", "ticket-status-events", "--json"))
        return Counter(entry["body"] for entry in listed)

    eventually(lambda: set(dead_bodies()) == set(bodies), "the ten poison messages reach the DLQ")
    started = time.monotonic()
    output = local_stack.cli("dlq", "redrive", "--queue", "status-events", timeout=30)
    assert time.monotonic() - started < 30
    assert "moved 10 message(s)" in output

    # Each copy is dead-lettered again by the consumer: once.
    eventually(lambda: set(dead_bodies()) == set(bodies), "the copies are dead-lettered again")
    time.sleep(2)
    assert dead_bodies() == Counter(bodies)
