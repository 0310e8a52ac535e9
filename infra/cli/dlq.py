"""The dead letters: python -m infra.cli dlq list|redrive|purge --queue QUEUE (ticket-status-events, its
alias status-events, or order-events)."""

import argparse
import json
import sys
import time
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.orders.message_failures import FailureRecord, failure_key
from chalicelib.orders.ticket_status_events import DEAD_LETTER_ATTRIBUTES, REASON_ATTRIBUTE, SOURCE_MESSAGE_ATTRIBUTE
from chalicelib.queues import ORDER_EVENTS, TICKET_STATUS_EVENTS, dead_letter_queue, queue_url, sqs_client

# What --queue takes: each queue's own short name, and status-events, the
# name operators have used since the first release.
QUEUE_ALIASES = {
    TICKET_STATUS_EVENTS: TICKET_STATUS_EVENTS,
    "status-events": TICKET_STATUS_EVENTS,
    ORDER_EVENTS: ORDER_EVENTS,
}
RECEIVE_WAIT_SECONDS = 1
# Long enough to read the whole dead-letter queue once without seeing a message twice.
LISTING_VISIBILITY_SECONDS = 30


def add_parser(commands: Any) -> None:
    dlq = commands.add_parser("dlq", help="look at, replay or drop dead letters")
    dlq.add_argument("action", choices=["list", "redrive", "purge"])
    dlq.add_argument("--queue", choices=sorted(QUEUE_ALIASES), required=True)
    dlq.add_argument("--message-id", help="redrive only this message")
    dlq.add_argument("--json", action="store_true", help="list as JSON")
    dlq.add_argument("--yes", action="store_true", help="confirm purge")


def run(args: argparse.Namespace) -> int:
    queue = QUEUE_ALIASES[args.queue]
    sqs = sqs_client()
    dead_letter_url = queue_url(dead_letter_queue(queue))
    if args.action == "list":
        return dlq_list(sqs, dead_letter_url, as_json=args.json)
    if args.action == "redrive":
        return dlq_redrive(sqs, dead_letter_url, queue_url(queue), message_id=args.message_id)
    return dlq_purge(sqs, dead_letter_url, confirmed=args.yes)


def _drain(sqs: Any, url: str, visibility: int) -> Iterator[dict[str, Any]]:
    """Every message currently in the queue, each once, hidden for `visibility` seconds."""
    seen: set[str] = set()
    while True:
        messages = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=RECEIVE_WAIT_SECONDS,
            VisibilityTimeout=visibility,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        fresh = [message for message in messages if message["MessageId"] not in seen]
        if not fresh:
            return
        for message in fresh:
            seen.add(message["MessageId"])
            yield message


def _reason(message: dict[str, Any]) -> str:
    attribute = message.get("MessageAttributes", {}).get(REASON_ATTRIBUTE)
    if attribute:
        return attribute["StringValue"]
    receives = message.get("Attributes", {}).get("ApproximateReceiveCount", "?")
    try:
        failure = FailureRecord.get(failure_key(message["MessageId"]))
    except FailureRecord.DoesNotExist:
        return f"moved by the redrive policy after {receives} receives; no failure was recorded"
    return f"{failure.reason} (moved by the redrive policy after {int(failure.attempts)} failed attempts)"


def _make_visible(sqs: Any, url: str, messages: list[dict[str, Any]]) -> None:
    """Listing must not hide dead letters from the next command."""
    for message in messages:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)


def dlq_list(sqs: Any, dead_letter_url: str, *, as_json: bool) -> int:
    messages = list(_drain(sqs, dead_letter_url, LISTING_VISIBILITY_SECONDS))
    listed = [
        {"message_id": message["MessageId"], "reason": _reason(message), "body": message["Body"]}
        for message in messages
    ]
    _make_visible(sqs, dead_letter_url, messages)
    if as_json:
        print(json.dumps(listed, indent=2))
    else:
        for entry in listed:
            print(f"{entry['message_id']}\n  reason: {entry['reason']}\n  body:   {entry['body']}")
        print(f"{len(listed)} dead letter(s)")
    return 0


# Where SQS itself cannot move messages (moto has no message move tasks), the
# command moves them: these answers say the endpoint lacks the operation.
_NO_MOVE_TASKS = frozenset({"InvalidAction", "UnsupportedOperation", "NotImplemented", "UnknownOperationException"})
MOVE_TASK_POLL_SECONDS = 0.2
MOVE_TASK_DONE = frozenset({"COMPLETED", "CANCELLED", "FAILED"})


def _queue_arn(sqs: Any, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _redrive_on_the_server(sqs: Any, dead_letter_url: str, source_url: str) -> int | None:
    """SQS's own redrive (a message move task). Return how many it moved, or
    None if the endpoint has no such tasks.

    The task counts the messages in the queue when it starts; it is cancelled
    once it has moved that many, since an implementation that moves until the
    queue is empty (LocalStack's) would move on forever while a consumer
    dead-letters the copies again.
    """
    dead_letter_arn = _queue_arn(sqs, dead_letter_url)
    try:
        handle = sqs.start_message_move_task(SourceArn=dead_letter_arn, DestinationArn=_queue_arn(sqs, source_url))[
            "TaskHandle"
        ]
    except NotImplementedError:  # moto in-process
        return None
    except ClientError as error:
        unsupported = error.response["ResponseMetadata"].get("HTTPStatusCode", 0) >= 500
        if unsupported or error.response["Error"]["Code"] in _NO_MOVE_TASKS:
            return None
        raise
    while True:
        [task] = sqs.list_message_move_tasks(SourceArn=dead_letter_arn, MaxResults=1)["Results"]
        if task["Status"] in MOVE_TASK_DONE:
            break
        to_move = task.get("ApproximateNumberOfMessagesToMove")
        if to_move is not None and task.get("ApproximateNumberOfMessagesMoved", 0) >= to_move:
            with suppress(ClientError):  # it may have ended meanwhile
                sqs.cancel_message_move_task(TaskHandle=handle)
        time.sleep(MOVE_TASK_POLL_SECONDS)
    if task["Status"] == "FAILED":
        raise RuntimeError(f"SQS's message move task failed: {task.get('FailureReason', 'no reason given')}")
    return int(task.get("ApproximateNumberOfMessagesMoved", 0))


def _redrive_here(sqs: Any, dead_letter_url: str, source_url: str, *, message_id: str | None) -> int:
    """Move the dead letters one by one: send a copy to the source queue, then delete the dead letter.

    A running consumer may dead-letter a copy again at once, as a new message
    whose source_message_id is the copy's id: such a one stays where it is, so
    each dead letter moves once and the command ends.
    """
    sent_ids: set[str] = set()
    left = []
    for message in _drain(sqs, dead_letter_url, LISTING_VISIBILITY_SECONDS):
        attributes = message.get("MessageAttributes", {})
        came_from = attributes.get(SOURCE_MESSAGE_ATTRIBUTE, {}).get("StringValue", message["MessageId"])
        if came_from in sent_ids or (message_id and message["MessageId"] != message_id):
            left.append(message)
            continue
        kept = {
            name: {key: value for key, value in attribute.items() if key in {"DataType", "StringValue", "BinaryValue"}}
            for name, attribute in attributes.items()
            if name not in DEAD_LETTER_ATTRIBUTES
        }
        sent = sqs.send_message(QueueUrl=source_url, MessageBody=message["Body"], MessageAttributes=kept)
        sent_ids.add(sent["MessageId"])
        # Stopped here, the message is in both queues: consumers apply an event id once.
        sqs.delete_message(QueueUrl=dead_letter_url, ReceiptHandle=message["ReceiptHandle"])
    _make_visible(sqs, dead_letter_url, left)
    return len(sent_ids)


def dlq_redrive(sqs: Any, dead_letter_url: str, source_url: str, *, message_id: str | None) -> int:
    moved = None if message_id else _redrive_on_the_server(sqs, dead_letter_url, source_url)
    if moved is not None:
        print(f"moved {moved} message(s) back to the source queue (SQS message move task)")
        return 0
    moved = _redrive_here(sqs, dead_letter_url, source_url, message_id=message_id)
    print(f"moved {moved} message(s) back to the source queue")
    return 0


def dlq_purge(sqs: Any, dead_letter_url: str, *, confirmed: bool) -> int:
    if not confirmed:
        print("purge deletes every dead letter for good; add --yes to confirm", file=sys.stderr)
        return 2
    sqs.purge_queue(QueueUrl=dead_letter_url)
    print("purged")
    return 0
