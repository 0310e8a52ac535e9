"""Operator commands: `python -m infra.cli <command> ...`.

    python -m infra.cli dlq list    --queue status-events
    python -m infra.cli dlq redrive --queue status-events [--message-id ID]
    python -m infra.cli dlq purge   --queue status-events --yes

The stage (--stage, else CATALYST_STAGE, else local) picks the resources,
catalyst-<stage>-*. The endpoint is AWS_ENDPOINT_URL; for the local stage it
defaults to the embedded emulator on 127.0.0.1:4566. With no endpoint (dev,
prod) the commands talk to AWS with the usual credentials.
"""

import argparse
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dotenv import load_dotenv

PROJECT_DIR = Path(__file__).resolve().parents[1]
LOCAL_ENDPOINT = "http://127.0.0.1:4566"
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
QUEUE_ALIASES = {"status-events": "ticket-status-events", "order-events": "order-events"}
RECEIVE_WAIT_SECONDS = 1
# Long enough to read the whole dead-letter queue once without seeing a message twice.
LISTING_VISIBILITY_SECONDS = 30


def configure_environment(stage: str | None) -> str:
    """Point the process at a stage's resources before any app module is imported."""
    load_dotenv(PROJECT_DIR / ".env", override=False)
    chosen = stage or os.environ.get("CATALYST_STAGE") or "local"
    os.environ["CATALYST_STAGE"] = chosen
    os.environ.setdefault("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
    if chosen in {"local", "test"}:
        os.environ.setdefault("AWS_ENDPOINT_URL", LOCAL_ENDPOINT)
        for name, value in LOCAL_CREDENTIALS.items():
            os.environ.setdefault(name, value)
    return chosen


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
    from chalicelib.orders.event_records import FailureRecord, failure_key
    from chalicelib.orders.status_events import REASON_ATTRIBUTE

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


def dlq_redrive(sqs: Any, dead_letter_url: str, source_url: str, *, message_id: str | None) -> int:
    from chalicelib.orders.status_events import REASON_ATTRIBUTE, SOURCE_MESSAGE_ATTRIBUTE

    moved = 0
    skipped = []
    for message in _drain(sqs, dead_letter_url, LISTING_VISIBILITY_SECONDS):
        if message_id and message["MessageId"] != message_id:
            skipped.append(message)
            continue
        attributes = {
            name: {key: value for key, value in attribute.items() if key in {"DataType", "StringValue", "BinaryValue"}}
            for name, attribute in message.get("MessageAttributes", {}).items()
            if name not in {REASON_ATTRIBUTE, SOURCE_MESSAGE_ATTRIBUTE}
        }
        sqs.send_message(QueueUrl=source_url, MessageBody=message["Body"], MessageAttributes=attributes)
        sqs.delete_message(QueueUrl=dead_letter_url, ReceiptHandle=message["ReceiptHandle"])
        moved += 1
    _make_visible(sqs, dead_letter_url, skipped)
    print(f"moved {moved} message(s) back to the source queue")
    return 0


def dlq_purge(sqs: Any, dead_letter_url: str, *, confirmed: bool) -> int:
    if not confirmed:
        print("purge deletes every dead letter for good; add --yes to confirm", file=sys.stderr)
        return 2
    sqs.purge_queue(QueueUrl=dead_letter_url)
    print("purged")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m infra.cli", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stage", help="stage whose resources to use (default: CATALYST_STAGE, else local)")
    commands = parser.add_subparsers(dest="command", required=True)
    dlq = commands.add_parser("dlq", help="look at, replay or drop dead letters")
    dlq.add_argument("action", choices=["list", "redrive", "purge"])
    dlq.add_argument("--queue", choices=sorted(QUEUE_ALIASES), required=True)
    dlq.add_argument("--message-id", help="redrive only this message")
    dlq.add_argument("--json", action="store_true", help="list as JSON")
    dlq.add_argument("--yes", action="store_true", help="confirm purge")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_environment(args.stage)
    from chalicelib.queues import dead_letter_queue, queue_url, sqs_client

    queue = QUEUE_ALIASES[args.queue]
    sqs = sqs_client()
    dead_letter_url = queue_url(dead_letter_queue(queue))
    if args.action == "list":
        return dlq_list(sqs, dead_letter_url, as_json=args.json)
    if args.action == "redrive":
        return dlq_redrive(sqs, dead_letter_url, queue_url(queue), message_id=args.message_id)
    return dlq_purge(sqs, dead_letter_url, confirmed=args.yes)


if __name__ == "__main__":
    sys.exit(main())
