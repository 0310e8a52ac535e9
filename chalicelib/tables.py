"""Every DynamoDB table of the app, by its short name: the one list that the
health check, the local bootstrap and the CDK stack all read."""

from pynamodb.models import Model

from chalicelib.audit import AuditRecord
from chalicelib.expiring_table import ExpiringItem
from chalicelib.integrators.models import IntegratorsTableItem
from chalicelib.orders.models import OrdersTableItem
from chalicelib.users.models import UserRecord

TABLES: dict[str, type[Model]] = {
    "users": UserRecord,
    "orders": OrdersTableItem,
    # Short-lived records with a TTL: status-event outcomes, message failure
    # reasons, failed-login counters.
    "expiring": ExpiringItem,
    "audit": AuditRecord,
    # Integrators and their signing keys (integrators/models.py).
    "integrators": IntegratorsTableItem,
}
