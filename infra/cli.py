"""Operator commands: `python -m infra.cli <command> ...`.

    python -m infra.cli dlq list    --queue status-events
    python -m infra.cli dlq redrive --queue status-events [--message-id ID]
    python -m infra.cli dlq purge   --queue status-events --yes
    python -m infra.cli createsuperuser                      (prompts, like Django's)
    python -m infra.cli createsuperuser --email E --no-input (password from CATALYST_SUPERUSER_PASSWORD)

The stage (--stage, else CATALYST_STAGE, else local) picks the resources,
catalyst-<stage>-*. The endpoint is AWS_ENDPOINT_URL; for the local and test
stages it defaults to the embedded emulator on 127.0.0.1:4566, and the
localstack stage finds LocalStack itself (LOCALSTACK_HOST). With no endpoint
(dev, prod) the commands talk to AWS with the usual credentials.
"""

import argparse
import getpass
import json
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

from dotenv import load_dotenv

PROJECT_DIR = Path(__file__).resolve().parents[1]
LOCAL_ENDPOINT = "http://127.0.0.1:4566"
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
# Stages served by the embedded emulator or LocalStack (which finds its own endpoint): any credentials do.
EMULATED_STAGES = frozenset({"local", "test", "localstack"})
QUEUE_ALIASES = {"status-events": "ticket-status-events", "order-events": "order-events"}
RECEIVE_WAIT_SECONDS = 1
# Long enough to read the whole dead-letter queue once without seeing a message twice.
LISTING_VISIBILITY_SECONDS = 30
# Django's DJANGO_SUPERUSER_PASSWORD, for createsuperuser --no-input.
SUPERUSER_PASSWORD_VARIABLE = "CATALYST_SUPERUSER_PASSWORD"  # noqa: S105 (a variable's name)


def configure_environment(stage: str | None) -> str:
    """Point the process at a stage's resources before any app module is imported."""
    load_dotenv(PROJECT_DIR / ".env", override=False)
    chosen = stage or os.environ.get("CATALYST_STAGE") or "local"
    os.environ["CATALYST_STAGE"] = chosen
    os.environ.setdefault("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
    # No command here signs a token or a cursor, but the settings insist on a
    # real key outside the local stages: a throwaway one satisfies them.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    if chosen in {"local", "test"}:
        os.environ.setdefault("AWS_ENDPOINT_URL", LOCAL_ENDPOINT)
    if chosen in EMULATED_STAGES:
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
    from botocore.exceptions import ClientError

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
    from chalicelib.orders.status_events import DEAD_LETTER_ATTRIBUTES, SOURCE_MESSAGE_ATTRIBUTE

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


def _register_superuser(email: str, password: str) -> dict[str, list[str]]:
    """Create the superuser; the field errors that refused it, empty on success."""
    from chalicelib.errors import Conflict, InvalidInput
    from chalicelib.users.schemas import RegisterRequest
    from chalicelib.users.services import user_register
    from chalicelib.web.requests import validate

    try:
        # The register endpoint's checks (email format, lengths), then the service's (password rules, uniqueness).
        request = validate({"email": email, "password": password}, RegisterRequest)
        user_register(email=request.email, password=request.password, superuser=True)
    except (InvalidInput, Conflict) as error:
        return error.field_errors
    return {}


def _print_errors(field_errors: dict[str, list[str]]) -> None:
    for messages in field_errors.values():
        for message in messages:
            print(f"Error: {message}", file=sys.stderr)


def createsuperuser_scripted(email: str | None) -> int:
    password = os.environ.get(SUPERUSER_PASSWORD_VARIABLE)
    if not email or not password:
        print(f"createsuperuser --no-input needs --email and {SUPERUSER_PASSWORD_VARIABLE}", file=sys.stderr)
        return 2
    errors = _register_superuser(email, password)
    if errors:
        _print_errors(errors)
        return 1
    print("Superuser created successfully.")
    return 0


def _email_refusal(email: str) -> str | None:
    """Why this email cannot be the new superuser's, or None: checked before the password is asked."""
    from pydantic import TypeAdapter, ValidationError

    from chalicelib.users.domain import normalize_email
    from chalicelib.users.schemas import Email
    from chalicelib.users.selectors import user_get_by_email
    from chalicelib.web.validation import field_errors

    if not email:
        return "This field cannot be blank."
    try:
        TypeAdapter(Email).validate_python(email)
    except ValidationError as error:
        return " ".join(message for messages in field_errors(error).values() for message in messages)
    if user_get_by_email(email=normalize_email(email)) is not None:
        return "That email address is already taken."
    return None


def _ask_email(ask: Callable[[str], str]) -> str:
    while True:
        email = ask("Email address: ").strip()
        refusal = _email_refusal(email)
        if refusal is None:
            return email
        print(f"Error: {refusal}", file=sys.stderr)


def _ask_password(ask_secret: Callable[[str], str]) -> str:
    while True:
        password = ask_secret("Password: ")
        if password != ask_secret("Password (again): "):
            print("Error: Your passwords didn't match.", file=sys.stderr)
        elif not password.strip():
            print("Error: Blank passwords aren't allowed.", file=sys.stderr)
        else:
            return password


def createsuperuser_interactive(
    email: str | None, *, ask: Callable[[str], str] = input, ask_secret: Callable[[str], str] = getpass.getpass
) -> int:
    """Django's dialogue: the email, the password twice, and each again after a refusal."""
    try:
        refusal = _email_refusal(email) if email else None
        if refusal:
            print(f"Error: {refusal}", file=sys.stderr)
            email = None
        while True:
            email = email or _ask_email(ask)
            errors = _register_superuser(email, _ask_password(ask_secret))
            if not errors:
                print("Superuser created successfully.")
                return 0
            _print_errors(errors)
            if "email" in errors:
                email = None
    except (EOFError, KeyboardInterrupt):
        print("\nOperation cancelled.", file=sys.stderr)
        return 1


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
    createsuperuser = commands.add_parser(
        "createsuperuser", help="create a superuser: staff, every permission (prompts unless --no-input)"
    )
    createsuperuser.add_argument("--email", help="the superuser's email (required with --no-input)")
    createsuperuser.add_argument(
        "--no-input",
        "--noinput",
        action="store_true",
        help=f"ask nothing; the password comes from {SUPERUSER_PASSWORD_VARIABLE}",
    )
    return parser


def run_dlq(args: argparse.Namespace) -> int:
    from chalicelib.queues import dead_letter_queue, queue_url, sqs_client

    queue = QUEUE_ALIASES[args.queue]
    sqs = sqs_client()
    dead_letter_url = queue_url(dead_letter_queue(queue))
    if args.action == "list":
        return dlq_list(sqs, dead_letter_url, as_json=args.json)
    if args.action == "redrive":
        return dlq_redrive(sqs, dead_letter_url, queue_url(queue), message_id=args.message_id)
    return dlq_purge(sqs, dead_letter_url, confirmed=args.yes)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_environment(args.stage)
    if args.command == "createsuperuser":
        if args.no_input:
            return createsuperuser_scripted(args.email)
        if not sys.stdin.isatty():
            print("createsuperuser prompts on a terminal; scripts use --email E --no-input", file=sys.stderr)
            return 2
        return createsuperuser_interactive(args.email)
    return run_dlq(args)


if __name__ == "__main__":
    sys.exit(main())
