"""Create every table the app needs, idempotently.

The same code serves `make run`, the integration tests and LocalStack's init
hook. The table definitions come from the PynamoDB models themselves.
"""

from chalicelib.orders.models import OrdersTableItem
from chalicelib.users.models import UserRecord

TABLE_MODELS = (UserRecord, OrdersTableItem)


def bootstrap() -> list[str]:
    """Create what is missing; return the names of the tables that exist now."""
    for model in TABLE_MODELS:
        if not model.exists():
            model.create_table(wait=True)
    return [model.Meta.table_name for model in TABLE_MODELS]


if __name__ == "__main__":
    for name in bootstrap():
        print(f"table ready: {name}")
