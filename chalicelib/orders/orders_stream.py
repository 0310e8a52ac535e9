"""The orders table's stream handler: for each committed write, publish its
order events (order_events.py), then bring the order's stored status in line
with its counts (stored_status.py). A record that fails either is reported
to Lambda and retried; both steps are safe to repeat."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from chalicelib.orders.models import OrderRecord
from chalicelib.orders.order_events import publish, record_image
from chalicelib.orders.stored_status import stored_status_sync


def handle_orders_stream(event: dict[str, Any], context: Any) -> dict[str, Any]:
    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=_handle, processor=processor, context=context)


def _handle(record: DynamoDBRecord) -> None:
    publish(record)
    new = record_image(record, "NewImage")
    if isinstance(new, OrderRecord):
        stored_status_sync(order=new)
