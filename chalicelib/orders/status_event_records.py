"""Records in the expiring table: what became of each status event, and why a message failed.

Event records make a status event take effect once: one is written, with a
does-not-exist condition, in the same transaction as the change it causes.
Failure records keep the last reason a queue message failed, so a message
that the queue moved to its dead-letter queue can still be explained.
Both expire on their own (TTL) after SQS's longest retention has passed.
"""

from datetime import timedelta

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.expiring_table import ExpiringItem

RETENTION = timedelta(days=15)


def event_key(ticket_code: str, event_id: str) -> str:
    # Scoped to the ticket: two senders' "event 1" for different tickets are different events.
    return f"EVENT#{ticket_code}#{event_id}"


def failure_key(message_id: str) -> str:
    return f"FAILURE#{message_id}"


class StatusEventRecord(ExpiringItem):
    outcome = UnicodeAttribute()
    ticket_code = UnicodeAttribute()
    status = UnicodeAttribute()
    source = UnicodeAttribute()
    recorded_at = UTCDateTimeAttribute()


class FailureRecord(ExpiringItem):
    reason = UnicodeAttribute()
    attempts = NumberAttribute()
    recorded_at = UTCDateTimeAttribute()
