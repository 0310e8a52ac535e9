"""The orders table's stream handler: publish the order events of a batch's
committed writes (order_events.py, in SendMessageBatch calls), then for each
record bring the order's stored status in line with its counts
(stored_status.py). A record whose events were not sent, or whose sync
fails, is reported to Lambda and retried; both steps are safe to repeat."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from chalicelib.batches import DYNAMODB_STREAMS, process_batch
from chalicelib.orders.models import OrderRecord
from chalicelib.orders.order_events import publish, record_image
from chalicelib.orders.stored_status import stored_status_sync


class EventsNotSent(Exception):
    """Some of a record's order events were not sent: the record is retried."""


def handle_orders_stream(event: dict[str, Any], context: Any) -> dict[str, Any]:
    unsent = publish([DynamoDBRecord(raw) for raw in event.get("Records", [])])

    def handle(record: DynamoDBRecord) -> None:
        if record.event_id in unsent:
            raise EventsNotSent(record.event_id)
        new = record_image(record, "NewImage")
        if isinstance(new, OrderRecord):
            stored_status_sync(order=new)

    return process_batch(event, context, source=DYNAMODB_STREAMS, handler=handle)
