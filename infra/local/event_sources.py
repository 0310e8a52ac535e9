"""Lambda's event source mappings, run locally: pollers that feed the app's
SQS and DynamoDB stream handlers the way AWS does.

Each poller reads real messages or stream records from the emulator (or any
endpoint), hands them to the handler as a Lambda-shaped event and then acts
on the answer as Lambda does with ReportBatchItemFailures:

- SQS: the messages not reported as failed are deleted; the failed ones are
  left for the queue to deliver again after its visibility timeout, and its
  redrive policy moves them to the dead-letter queue. A handler that raises
  deletes nothing.
- DynamoDB streams: the shard is read on from the first failed record (or
  the batch's first, if the handler raised), after a backoff; nothing after a
  failure is skipped.

`poll_once()` does one receive-invoke-settle round, so a benchmark or a test
can drive a poller in-process; `start()` runs rounds in a thread until
`stop()`.
"""

import base64
import logging
import threading
import time
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any

import boto3
from chalice import Chalice
from chalice.app import DynamoDBEventConfig, SQSEventConfig
from chalice.config import Config
from chalice.constants import DEFAULT_LAMBDA_MEMORY_SIZE, DEFAULT_LAMBDA_TIMEOUT

from infra.local.lambda_functions import LocalFunction

logger = logging.getLogger(__name__)

# The longest a poll waits for something to arrive, so stop() is prompt.
LONG_POLL_SECONDS = 2
SHORT_POLL_INTERVAL_SECONDS = 0.1
# Lambda reads a stream shard four times a second.
STREAM_READ_INTERVAL_SECONDS = 0.25
# A failed round (endpoint unreachable; for a stream, a failed batch) is
# tried again after a pause that doubles up to the maximum.
MIN_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 8
SQS_MAX_MESSAGES_PER_CALL = 10
STREAM_MAX_RECORDS_PER_CALL = 1000


class EventSourcePoller(ABC):
    def __init__(self, function: LocalFunction, *, batch_size: int, batching_window_seconds: float) -> None:
        self.function = function
        self.batch_size = batch_size
        self.batching_window_seconds = batching_window_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def invocations(self) -> int:
        return self.function.invocations

    @property
    @abstractmethod
    def source(self) -> str:
        """What the poller reads, for the runner's summary."""

    @abstractmethod
    def poll_once(self) -> int:
        """Receive one batch, invoke the handler with it and settle it; return the batch's size."""

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"poller-{self.function.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        stop_pollers([self], timeout)

    def _run(self) -> None:
        backoff = MIN_BACKOFF_SECONDS
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:
                # A dead poller would silently stop the flow of events: log and go on.
                logger.exception("%s: polling %s failed; again in %.1f s", self.function.name, self.source, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
            else:
                backoff = MIN_BACKOFF_SECONDS


def stop_pollers(pollers: list[EventSourcePoller], timeout: float = 10) -> None:
    """Stop them all at once: shutdown waits for the slowest long poll, not their sum."""
    for poller in pollers:
        poller._stop.set()
    for poller in pollers:
        if poller._thread is not None:
            poller._thread.join(timeout)


def failed_items(response: Any, item_ids: list[str]) -> set[str]:
    """The ids of a batch's failed items, read from a handler's answer as Lambda reads it:
    no batchItemFailures means success, and an id that is missing or not in the
    batch fails the whole batch."""
    if not isinstance(response, dict) or not response.get("batchItemFailures"):
        return set()
    reported = {
        failure.get("itemIdentifier") if isinstance(failure, dict) else None
        for failure in response["batchItemFailures"]
    }
    return reported if reported <= set(item_ids) else set(item_ids)


def _region(arn: str) -> str:
    return arn.split(":")[3]


def _lambda_json(value: Any) -> Any:
    """boto3's parsed values back to the JSON Lambda delivers: binary as
    base64, timestamps as epoch seconds."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, dict):
        return {key: _lambda_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_lambda_json(item) for item in value]
    return value


def sqs_record(message: dict[str, Any], *, queue_arn: str) -> dict[str, Any]:
    """One received SQS message as a record of Lambda's SQS event."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            name: _lambda_json(
                {
                    **({"stringValue": value["StringValue"]} if "StringValue" in value else {}),
                    **({"binaryValue": value["BinaryValue"]} if "BinaryValue" in value else {}),
                    "stringListValues": value.get("StringListValues", []),
                    "binaryListValues": value.get("BinaryListValues", []),
                    "dataType": value["DataType"],
                }
            )
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": _region(queue_arn),
    }


class SqsPoller(EventSourcePoller):
    def __init__(
        self,
        function: LocalFunction,
        *,
        sqs: Any,
        queue_url: str,
        queue_arn: str,
        batch_size: int,
        batching_window_seconds: float,
    ) -> None:
        super().__init__(function, batch_size=batch_size, batching_window_seconds=batching_window_seconds)
        self._sqs = sqs
        self.queue_url = queue_url
        self.queue_arn = queue_arn

    @property
    def source(self) -> str:
        return f"SQS {self.queue_arn.rsplit(':', 1)[-1]}"

    def poll_once(self) -> int:
        messages = self._receive_batch()
        if not messages:
            return 0
        event = {"Records": [sqs_record(message, queue_arn=self.queue_arn) for message in messages]}
        try:
            response = self.function.invoke(event)
        except Exception:
            # Lambda deletes nothing: every message comes back after the visibility timeout.
            return len(messages)
        failed = failed_items(response, [message["MessageId"] for message in messages])
        self._delete([message for message in messages if message["MessageId"] not in failed])
        return len(messages)

    def _receive(self, wait_seconds: int, count: int) -> list[dict[str, Any]]:
        response = self._sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(count, SQS_MAX_MESSAGES_PER_CALL),
            WaitTimeSeconds=wait_seconds,
            # Both names: MessageSystemAttributeNames replaced AttributeNames,
            # and older emulators know only the latter.
            AttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return response.get("Messages", [])

    def _receive_batch(self) -> list[dict[str, Any]]:
        """Long-poll for a first message, then gather more until the batch is
        full or the batching window, counted from that first message, is over."""
        messages = self._receive(LONG_POLL_SECONDS, self.batch_size)
        if not messages:
            return []
        window_end = time.monotonic() + self.batching_window_seconds
        while len(messages) < self.batch_size and not self._stop.is_set():
            remaining = window_end - time.monotonic()
            if remaining <= 0:
                break
            # WaitTimeSeconds takes whole seconds: the window's last fraction
            # is covered by short polls.
            wait_seconds = min(LONG_POLL_SECONDS, int(remaining))
            more = self._receive(wait_seconds, self.batch_size - len(messages))
            if not more and wait_seconds == 0:
                self._stop.wait(min(remaining, SHORT_POLL_INTERVAL_SECONDS))
            messages += more
        return messages

    def _delete(self, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), SQS_MAX_MESSAGES_PER_CALL):
            chunk = messages[start : start + SQS_MAX_MESSAGES_PER_CALL]
            entries = [
                {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]} for index, message in enumerate(chunk)
            ]
            response = self._sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
            for failure in response.get("Failed", []):
                # Typically a handler that outran the visibility timeout: the
                # message was received again meanwhile and will be redelivered.
                message_id = chunk[int(failure["Id"])]["MessageId"]
                logger.warning("%s: could not delete message %s: %s", self.function.name, message_id, failure)


def stream_record(record: dict[str, Any], *, stream_arn: str) -> dict[str, Any]:
    """One GetRecords record as a record of Lambda's DynamoDB stream event."""
    return {**_lambda_json(record), "eventSourceARN": stream_arn}


class DynamoDBStreamPoller(EventSourcePoller):
    def __init__(
        self,
        function: LocalFunction,
        *,
        streams: Any,
        stream_arn: str,
        starting_position: str,
        batch_size: int,
        batching_window_seconds: float,
    ) -> None:
        super().__init__(function, batch_size=batch_size, batching_window_seconds=batching_window_seconds)
        self._streams = streams
        self.stream_arn = stream_arn
        self._shard_id: str | None = None
        # Where the next unprocessed record is: what an iterator is (re)opened at.
        self._position: dict[str, str] = {"ShardIteratorType": starting_position}
        self._iterator: str | None = None
        self._shard_ended = False
        self._retry_backoff = MIN_BACKOFF_SECONDS

    @property
    def source(self) -> str:
        return f"DynamoDB stream {self.stream_arn}"

    def poll_once(self) -> int:
        try:
            records = self._read_batch()
        except Exception:
            self._iterator = None  # reopened at the position, so nothing read is lost
            raise
        if not records:
            self._follow_ended_shard()
            return 0
        event = {"Records": [stream_record(record, stream_arn=self.stream_arn) for record in records]}
        sequence_numbers = [record["dynamodb"]["SequenceNumber"] for record in records]
        try:
            response = self.function.invoke(event)
        except Exception:
            self._retry_from(sequence_numbers[0])
            return len(records)
        failed = failed_items(response, sequence_numbers)
        if failed:
            self._retry_from(next(number for number in sequence_numbers if number in failed))
            return len(records)
        self._retry_backoff = MIN_BACKOFF_SECONDS
        self._position = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": sequence_numbers[-1]}
        self._follow_ended_shard()
        return len(records)

    def _retry_from(self, sequence_number: str) -> None:
        logger.warning(
            "%s: retrying %s from record %s in %.1f s",
            self.function.name,
            self.source,
            sequence_number,
            self._retry_backoff,
        )
        self._position = {"ShardIteratorType": "AT_SEQUENCE_NUMBER", "SequenceNumber": sequence_number}
        self._iterator = None
        self._shard_ended = False
        self._stop.wait(self._retry_backoff)
        self._retry_backoff = min(self._retry_backoff * 2, MAX_BACKOFF_SECONDS)

    def _read_batch(self) -> list[dict[str, Any]]:
        """Read until the batch is full, the batching window (counted from the
        first record) is over, or the shard ends; wait at most LONG_POLL_SECONDS
        for a first record."""
        records: list[dict[str, Any]] = []
        deadline = time.monotonic() + LONG_POLL_SECONDS
        while not self._stop.is_set():
            read = self._get_records(min(self.batch_size - len(records), STREAM_MAX_RECORDS_PER_CALL))
            if read and not records:
                deadline = time.monotonic() + self.batching_window_seconds
            records += read
            if len(records) >= self.batch_size or self._shard_ended or time.monotonic() >= deadline:
                break
            self._stop.wait(STREAM_READ_INTERVAL_SECONDS)
        return records

    def _get_records(self, limit: int) -> list[dict[str, Any]]:
        if self._iterator is None:
            self._iterator = self._open_iterator()
            if self._iterator is None:
                return []
        response = self._streams.get_records(ShardIterator=self._iterator, Limit=limit)
        self._iterator = response.get("NextShardIterator")
        # No next iterator: the shard is closed (split or table stream
        # disabled) and read to its end.
        self._shard_ended = self._iterator is None
        return response["Records"]

    def _shards(self) -> list[dict[str, Any]]:
        return self._streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]

    def _open_iterator(self) -> str | None:
        if self._shard_id is None:
            shards = self._shards()
            if not shards:
                return None
            # Minimal shard handling: one shard at a time, oldest first (newest for LATEST).
            latest = self._position["ShardIteratorType"] == "LATEST"
            self._shard_id = shards[-1 if latest else 0]["ShardId"]
        return self._streams.get_shard_iterator(StreamArn=self.stream_arn, ShardId=self._shard_id, **self._position)[
            "ShardIterator"
        ]

    def _follow_ended_shard(self) -> None:
        """Once a closed shard is read, go on with its child (once it is listed)."""
        if not self._shard_ended:
            return
        child = next((shard for shard in self._shards() if shard.get("ParentShardId") == self._shard_id), None)
        if child is not None:
            self._shard_id = child["ShardId"]
            self._position = {"ShardIteratorType": "TRIM_HORIZON"}
            self._iterator = None
            self._shard_ended = False


def _local_function(app: Chalice, config: Config, name: str, source_arn: str) -> LocalFunction:
    """The Lambda function Chalice would deploy for handler `name`, in the source's account and region."""
    scope = config.scope(config.chalice_stage, name)
    function_name = f"{config.app_name}-{config.chalice_stage}-{name}"
    region, account = source_arn.split(":")[3:5]
    return LocalFunction(
        name,
        app.handler_map[name],
        function_name=function_name,
        invoked_function_arn=f"arn:aws:lambda:{region}:{account}:function:{function_name}",
        memory_limit_in_mb=scope.lambda_memory_size or DEFAULT_LAMBDA_MEMORY_SIZE,
        timeout_seconds=scope.lambda_timeout or DEFAULT_LAMBDA_TIMEOUT,
    )


def pollers_for_app(app: Chalice, config: Config, session: boto3.Session) -> list[EventSourcePoller]:
    """A poller for each SQS and DynamoDB stream handler of `app`, set up as
    `config`'s stage would deploy it."""
    sqs, streams = session.client("sqs"), session.client("dynamodbstreams")
    pollers: list[EventSourcePoller] = []
    for source in app.event_sources:
        if isinstance(source, SQSEventConfig):
            queue_name = source.queue or source.queue_arn.rsplit(":", 1)[-1]
            queue_url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
            queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            pollers.append(
                SqsPoller(
                    _local_function(app, config, source.name, queue_arn),
                    sqs=sqs,
                    queue_url=queue_url,
                    queue_arn=queue_arn,
                    batch_size=source.batch_size,
                    batching_window_seconds=source.maximum_batching_window_in_seconds,
                )
            )
        elif isinstance(source, DynamoDBEventConfig):
            pollers.append(
                DynamoDBStreamPoller(
                    _local_function(app, config, source.name, source.stream_arn),
                    streams=streams,
                    stream_arn=source.stream_arn,
                    starting_position=source.starting_position,
                    batch_size=source.batch_size,
                    batching_window_seconds=source.maximum_batching_window_in_seconds,
                )
            )
        else:
            logger.warning("%s (%s) has no local event source and is not run", source.name, type(source).__name__)
    return pollers
