"""The consumer of ticket-status-events: status reports pushed by external systems.

Each record is validated and applied on its own (Powertools' BatchProcessor),
and the handler answers with the ids of the records worth retrying:

- a report applies once, however often it is delivered (its event_id, or the
  SQS message id, is written with the change in one transaction);
- a message that can never succeed (not JSON, not a valid report) is moved to
  the dead-letter queue at once, with its reason, and counts as handled;
- a message that may succeed later (ticket not known yet, DynamoDB busy) is
  reported as failed and redelivered; after MAX_RECEIVE_COUNT receives the
  queue's redrive policy moves it to the dead-letter queue. Its last reason is
  kept in the expiring table, where the DLQ tooling finds it.

Each record is taken under its message id as its correlation id
(observability.py); dead letters are counted in the DeadLetters metric by reason.
"""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import ValidationError

from chalicelib.batches import SQS, process_batch
from chalicelib.errors import NotFound
from chalicelib.observability import Metric, correlated, logger, publish_metrics
from chalicelib.orders.domain import STATUS_EVENT_RETENTION, ChangeSource
from chalicelib.orders.message_failures import FailureRecord, failure_key
from chalicelib.orders.schemas import TicketStatusEvent
from chalicelib.orders.services import ticket_change_status
from chalicelib.queues import MAX_RECEIVE_COUNT, TICKET_STATUS_EVENTS, Message, dead_letter_queue, send_message
from chalicelib.storage import is_transient
from chalicelib.web.validation import field_errors

REASON_ATTRIBUTE = "dead_letter_reason"
MAX_MESSAGE_ATTRIBUTES = 10
# The reason echoes the invalid input; bounded, so the dead letter stays within SQS's size limit.
MAX_REASON_LENGTH = 1000
SOURCE_MESSAGE_ATTRIBUTE = "source_message_id"
DEAD_LETTER_ATTRIBUTES = (REASON_ATTRIBUTE, SOURCE_MESSAGE_ATTRIBUTE)


class DeadLetterReason(StrEnum):
    """Why a status event went to the dead-letter queue, as its metric names it (few values)."""

    INVALID = "invalid"  # not JSON, or not a valid report: moved at once
    UNKNOWN_TICKET = "unknown_ticket"  # its ticket stayed unknown through every receive
    FAILING = "failing"  # it failed on something else through every receive


class RetryLater(Exception):
    """A record that failed for now; SQS will deliver it again."""


def consume_status_events(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_batch(event, context, source=SQS, handler=_handle)


def _handle(record: SQSRecord) -> None:
    # Each report under its message id, which SendMessage answered to its sender.
    with correlated(record.message_id, name="status report"):
        _take(record)


def _take(record: SQSRecord) -> None:
    try:
        report = TicketStatusEvent.model_validate_json(record.body)
    except ValidationError as error:
        _dead_letter(record, reason=f"invalid status event: {_describe(error)}")
        publish_metrics({Metric.DEAD_LETTERS: 1}, reason=DeadLetterReason.INVALID)
        return
    try:
        change = ticket_change_status(
            code=str(report.ticket_code),
            status=report.status,
            source=ChangeSource.SQS,
            event_id=report.event_id or record.message_id,
            occurred_at=report.occurred_at,
        )
    except NotFound:
        _fail(record, reason=f"ticket {report.ticket_code} is not known", kind=DeadLetterReason.UNKNOWN_TICKET)
    except Exception as error:
        if not is_transient(error):
            # A bug, not the weather: an error with its traceback, though still retried.
            logger.exception("status event failed unexpectedly", extra={"message_id": record.message_id})
        _fail(record, reason=f"{type(error).__name__}: {error}", kind=DeadLetterReason.FAILING)
    else:
        logger.info(
            "status event taken",
            extra={
                "message_id": record.message_id,
                "ticket_code": change.ticket.ticket_code,
                "status": report.status.value,
                "outcome": change.outcome.value,
                "sender": report.source,
            },
        )


def _describe(error: ValidationError) -> str:
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in field_errors(error).items())


def _dead_letter(record: SQSRecord, *, reason: str) -> None:
    # SQS allows 10 attributes per message: ours take 2, the sender's keep up to 8.
    # A redriven message may still carry the two of an earlier dead-lettering.
    kept = [
        (name, value.string_value)
        for name, value in sorted(record.message_attributes.items())
        if value.data_type.startswith("String")
        and value.string_value is not None
        and name not in DEAD_LETTER_ATTRIBUTES
    ][: MAX_MESSAGE_ATTRIBUTES - len(DEAD_LETTER_ATTRIBUTES)]
    reason = reason[:MAX_REASON_LENGTH]
    attributes = {**dict(kept), REASON_ATTRIBUTE: reason, SOURCE_MESSAGE_ATTRIBUTE: record.message_id}
    send_message(dead_letter_queue(TICKET_STATUS_EVENTS), Message(record.body, attributes))
    logger.warning("status event dead-lettered", extra={"message_id": record.message_id, "reason": reason})


def _fail(record: SQSRecord, *, reason: str, kind: DeadLetterReason) -> None:
    attempts = int(record.attributes.approximate_receive_count or 1)
    if attempts >= MAX_RECEIVE_COUNT:
        # Its last receive: the queue's redrive policy moves it to the dead-letter queue instead of a next one.
        publish_metrics({Metric.DEAD_LETTERS: 1}, reason=kind)
    now = datetime.now(UTC)
    FailureRecord(
        failure_key(record.message_id),
        reason=reason,
        attempts=attempts,
        recorded_at=now,
        expires_at=now + STATUS_EVENT_RETENTION,
    ).save()
    logger.warning(
        "status event failed; it will be delivered again",
        extra={"message_id": record.message_id, "reason": reason, "receive_count": attempts},
    )
    raise RetryLater(reason)
