"""What each function may do to which table and queue: the whole of its policy
for application data.

Chalice cannot see PynamoDB's calls, so these lists are written by hand from
what chalicelib does. Every table the app has must appear here (tests/infra
checks), so a new table cannot ship without someone deciding who uses it.
Functions are named as in the packaged template (Chalice's logical ids).
Consuming a queue or a stream is granted with its event source, not here.
"""

from chalicelib.queues import ORDER_EVENTS as ORDER_EVENTS_QUEUE
from chalicelib.queues import TICKET_STATUS_EVENTS as TICKET_STATUS_EVENTS_QUEUE
from chalicelib.queues import dead_letter_queue

API_HANDLER = "APIHandler"
TICKET_STATUS_EVENTS = "TicketStatusEvents"
ORDER_EVENTS = "OrderEvents"
FUNCTIONS = (API_HANDLER, TICKET_STATUS_EVENTS, ORDER_EVENTS)

READ = ("dynamodb:GetItem", "dynamodb:Query")
# Transactions need no action of their own: each item in one is authorized as
# the PutItem or UpdateItem it contains (chalicelib uses no bare condition checks).
WRITE = ("dynamodb:PutItem", "dynamodb:UpdateItem")
APPEND = ("dynamodb:PutItem",)
DELETE = ("dynamodb:DeleteItem",)
SCAN = ("dynamodb:Scan",)
# GET /api/health describes every table.
DESCRIBE = ("dynamodb:DescribeTable",)

TABLE_ACCESS: dict[str, dict[str, tuple[str, ...]]] = {
    API_HANDLER: {
        "users": READ + WRITE + SCAN + DESCRIBE,  # the admin's user search scans
        "orders": READ + WRITE + DESCRIBE,
        "expiring": READ + WRITE + DELETE + DESCRIBE,  # failed-login counters, idempotency keys
        "audit": READ + APPEND + DESCRIBE,  # entries are added, never changed or removed
        # A signed report reads its key and notes its use; the admin lists and revokes keys.
        # Keys are made by the operator's command (infra.cli integrator), never by the API.
        "integrators": ("dynamodb:GetItem", "dynamodb:UpdateItem", *SCAN, *DESCRIBE),
    },
    TICKET_STATUS_EVENTS: {
        "orders": READ + WRITE,
        "expiring": READ + WRITE,  # status-event outcomes and message failure reasons
    },
    ORDER_EVENTS: {
        "orders": ("dynamodb:UpdateItem",),  # keeps each order's stored status in line with its tickets
    },
}

# Queues each function sends to, by short name (chalicelib.queues).
QUEUE_SENDS: dict[str, tuple[str, ...]] = {
    API_HANDLER: (),
    # A message that can never succeed is moved to the dead-letter queue at once.
    TICKET_STATUS_EVENTS: (dead_letter_queue(TICKET_STATUS_EVENTS_QUEUE),),
    ORDER_EVENTS: (ORDER_EVENTS_QUEUE,),
}

# The table whose stream each stream handler reads.
STREAM_SOURCES = {ORDER_EVENTS: "orders"}

# Every function sends its traces to X-Ray. These actions have no resource type: their statement names "*".
TRACE_WRITE_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")

# Only the API signs (tokens, cursors); only it may read the signing key.
SECRET_READERS = (API_HANDLER,)
