"""Outbound order events: what one record of the orders table's stream
publishes on the order-events queue.

Every committed change of a ticket's status or an order's status becomes a
JSON message. The stream carries each committed write even if the process
that wrote it died a moment later, and a record whose publication fails is
reported and retried (orders_stream.py), so every change is published at
least once. Consumers deduplicate on `event_id`, which is the same on every
retry. A stream batch's events go out together, ten per SendMessageBatch.
"""

import json
from collections import Counter
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from chalicelib.observability import Metric, logger, publish_metrics
from chalicelib.orders.models import OrderRecord, OrdersTableItem, TicketRecord, order_status
from chalicelib.queues import ORDER_EVENTS, Message, send_messages


def record_image(record: DynamoDBRecord, name: str) -> OrdersTableItem | None:
    """The item as the record's NewImage or OldImage holds it, or None."""
    raw = (record.raw_event.get("dynamodb") or {}).get(name)
    return OrdersTableItem.from_raw_data(raw) if raw else None


def events_for_record(record: DynamoDBRecord) -> list[dict[str, Any]]:
    """The outbound events one stream record stands for (often none)."""
    old, new = record_image(record, "OldImage"), record_image(record, "NewImage")
    # The request or status report that made the change (observability.py), for downstream systems to quote.
    base = {"event_id": record.event_id, "correlation_id": new.correlation_id if new is not None else None}
    if isinstance(new, TicketRecord):
        # A new ticket is part of its order's creation, which the order's own
        # event announces; only later changes of a ticket are events of its own.
        if not isinstance(old, TicketRecord) or old.status == new.status:
            return []
        previous = old.status
        # The change's own history entry, appended by the same write.
        change = (new.history or [None])[-1]
        return [
            {
                **base,
                "type": "ticket.status_changed",
                "order_id": int(new.order_id),
                "ticket_code": new.ticket_code,
                "from_status": previous,
                "to_status": new.status,
                "changed_at": new.updated_at.isoformat(),
                "source": change.source if change else None,
                "integrator": change.integrator if change else None,
            }
        ]
    if isinstance(new, OrderRecord):
        if old is None and new.imported_at is not None:
            return []  # the seed's order arriving: its clients knew it already
        previous = order_status(old).value if isinstance(old, OrderRecord) else None
        current = order_status(new).value
        if previous == current:
            return []
        return [
            {
                **base,
                "type": "order.status_changed",
                "order_id": int(new.order_id),
                "from_status": previous,
                "to_status": current,
                "changed_at": new.updated_at.isoformat(),
            }
        ]
    return []


def publish(records: list[DynamoDBRecord]) -> set[str]:
    """Send the events of these stream records; returns the event ids of the
    records whose events were not all sent."""
    outbound = [(record, event) for record in records for event in events_for_record(record)]
    messages = [Message(json.dumps(event), {"type": event["type"]}) for _record, event in outbound]
    unsent = send_messages(ORDER_EVENTS, messages)
    published: Counter[str] = Counter()
    for position, (_record, event) in enumerate(outbound):
        if position not in unsent:
            logger.debug("order event published", extra=event)
            published[event["type"]] += 1
    for event_type, count in sorted(published.items()):
        publish_metrics({Metric.ORDER_EVENTS_PUBLISHED: count}, type=event_type)
    return {outbound[position][0].event_id for position in unsent}
