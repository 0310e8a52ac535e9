"""The SQS queues: what exists, and sending to them.

Every queue has a dead-letter queue that takes a message after
MAX_RECEIVE_COUNT receives, and a visibility timeout of
VISIBILITY_PER_HANDLER_TIMEOUT times its consumer's timeout.
"""

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import batched
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws_clients import aws_client
from chalicelib.config import settings
from chalicelib.storage import CONNECT_TIMEOUT_SECONDS, MAX_RETRY_ATTEMPTS, READ_TIMEOUT_SECONDS

TICKET_STATUS_EVENTS = "ticket-status-events"
ORDER_EVENTS = "order-events"
QUEUES = (TICKET_STATUS_EVENTS, ORDER_EVENTS)
DEAD_LETTER_SUFFIX = "-dlq"
MAX_RECEIVE_COUNT = 5
VISIBILITY_PER_HANDLER_TIMEOUT = 6
# Order events are read by downstream systems, whose timeout we do not know.
DOWNSTREAM_VISIBILITY_TIMEOUT_SECONDS = 180
# SQS's longest retention: an operator has two weeks to look at a dead letter.
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600


def consumer_visibility_timeout(handler_timeout_seconds: int, batching_window_seconds: int) -> int:
    """AWS's advice for a queue a function consumes: six times the function's
    timeout, plus its batching window, so that no message reappears while its
    batch is still being gathered or processed."""
    return VISIBILITY_PER_HANDLER_TIMEOUT * handler_timeout_seconds + batching_window_seconds


def dead_letter_queue(queue: str) -> str:
    return f"{queue}{DEAD_LETTER_SUFFIX}"


_SQS_CONFIG = Config(
    connect_timeout=CONNECT_TIMEOUT_SECONDS,
    read_timeout=READ_TIMEOUT_SECONDS,
    retries={"mode": "standard", "total_max_attempts": 1 + MAX_RETRY_ATTEMPTS},
)
_client_lock = threading.Lock()


def sqs_client() -> Any:
    return _sqs_client(settings().aws_region, settings().aws_endpoint_url)


@cache
def _sqs_client(region: str, endpoint_url: str | None) -> Any:
    # A client is built from a session once; used from any thread after.
    with _client_lock:
        return aws_client("sqs", region=region, endpoint_url=endpoint_url, config=_SQS_CONFIG)


def queue_url(queue: str) -> str:
    """The URL of one of our queues (a short name such as "order-events")."""
    return _queue_url(sqs_client(), settings().resource_name(queue))


@cache
def _queue_url(sqs: Any, name: str) -> str:
    # Looked up once per client and name: a queue's URL never changes.
    return sqs.get_queue_url(QueueName=name)["QueueUrl"]


# SendMessageBatch's limit of entries per call.
MAX_BATCH_ENTRIES = 10


@dataclass(frozen=True)
class Message:
    body: str
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def message_attributes(self) -> dict[str, dict[str, str]]:
        return {name: {"DataType": "String", "StringValue": value} for name, value in self.attributes.items()}


def send_message(queue: str, message: Message) -> str:
    response = sqs_client().send_message(
        QueueUrl=queue_url(queue), MessageBody=message.body, MessageAttributes=message.message_attributes
    )
    return response["MessageId"]


def send_messages(queue: str, messages: Sequence[Message]) -> set[int]:
    """Send the messages in SendMessageBatch calls of up to ten: SQS bills a
    call, not a message, per 64 KB of payload. Returns the positions of the
    messages that were not sent (the call failed, or SQS refused that entry),
    for the caller to retry; a retry may send some of them twice."""
    unsent: set[int] = set()
    for batch in batched(enumerate(messages), MAX_BATCH_ENTRIES):
        entries = [
            {"Id": str(position), "MessageBody": message.body, "MessageAttributes": message.message_attributes}
            for position, message in batch
        ]
        try:
            response = sqs_client().send_message_batch(QueueUrl=queue_url(queue), Entries=entries)
        except (ClientError, BotoCoreError):
            unsent.update(position for position, _message in batch)
            continue
        unsent.update(int(failure["Id"]) for failure in response.get("Failed", []))
    return unsent
