"""Why a queue message last failed, in the expiring table: a message that the
queue moved to its dead-letter queue can still be explained (python -m
infra.cli dlq list). A record expires on its own (TTL) once SQS's longest
retention has passed."""

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.expiring_table import ExpiringItem


def failure_key(message_id: str) -> str:
    return f"FAILURE#{message_id}"


class FailureRecord(ExpiringItem):
    reason = UnicodeAttribute()
    attempts = NumberAttribute()
    recorded_at = UTCDateTimeAttribute()
