"""Every DynamoDB table of the app, by its short name: the one list that the
health check, the local bootstrap and the CDK stack all read."""

from pynamodb.models import Model

from chalicelib.orders.event_records import EventRecord
from chalicelib.orders.models import OrdersTableItem
from chalicelib.users.models import UserRecord

TABLES: dict[str, type[Model]] = {
    "users": UserRecord,
    "orders": OrdersTableItem,
    "events": EventRecord,
}
