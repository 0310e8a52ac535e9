"""Catalyst: the app, its blueprints and its event handlers. Nothing else."""

from typing import Any

from chalice import Chalice
from chalice.app import DynamoDBEvent, SQSEvent

from chalicelib.loading import garbage_collection_paused

with garbage_collection_paused():
    from chalicelib.admin.api import admin_api
    from chalicelib.admin.site import admin_site
    from chalicelib.health import health_api
    from chalicelib.observability import observed
    from chalicelib.orders.api import orders_api
    from chalicelib.orders.orders_stream import handle_orders_stream
    from chalicelib.orders.ticket_status_events import consume_status_events
    from chalicelib.queues import TICKET_STATUS_EVENTS
    from chalicelib.runtime import configure, load_settings
    from chalicelib.users.api import users_api
    from chalicelib.web.blueprint import cors_for
    from chalicelib.web.docs import docs_api
    from chalicelib.web.errors import chalice_errors_as_detail

    # Lambda's (and the local runner's) settings are its environment. On Lambda this loads
    # the X-Ray SDK too, which is loading as well.
    settings = configure(load_settings())
app = Chalice(app_name="catalyst")
app.api.cors = cors_for(settings.cors_allowed_origin)
app.register_blueprint(users_api)
app.register_blueprint(orders_api)
app.register_blueprint(health_api)
app.register_blueprint(admin_api)
app.register_blueprint(admin_site)
app.register_blueprint(docs_api)
# Outermost: every invocation (HTTP, SQS, stream) is traced and correlated as a whole.
app.register_middleware(observed, "all")
app.register_middleware(chalice_errors_as_detail, "http")


@app.on_sqs_message(
    queue=settings.resource_name(TICKET_STATUS_EVENTS),
    batch_size=10,
    maximum_batching_window_in_seconds=1,
    name="ticket_status_events",
)
def ticket_status_events(event: SQSEvent) -> dict[str, Any]:
    return consume_status_events(event.to_dict(), event.context)


@app.on_dynamodb_record(
    stream_arn=settings.orders_stream_arn,
    batch_size=100,
    starting_position="TRIM_HORIZON",
    maximum_batching_window_in_seconds=1,
    name="order_events",
)
def order_events(event: DynamoDBEvent) -> dict[str, Any]:
    return handle_orders_stream(event.to_dict(), event.context)
