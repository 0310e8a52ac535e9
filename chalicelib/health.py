"""GET /api/health: the app answers and its tables are reachable and active."""

from chalice import Response

from chalicelib.observability import logger
from chalicelib.orders.models import OrdersTableItem
from chalicelib.users.models import UserRecord
from chalicelib.web.blueprint import ApiBlueprint

health_api = ApiBlueprint(__name__)

TABLES = {"users": UserRecord, "orders": OrdersTableItem}


def _table_status(model: type[UserRecord] | type[OrdersTableItem]) -> str:
    try:
        return str(model.describe_table()["TableStatus"])
    except Exception:
        logger.warning("health check could not describe a table", extra={"table": model.Meta.table_name}, exc_info=True)
        return "UNREACHABLE"


@health_api.route("/api/health", methods=["GET"])
def health() -> Response:
    tables = {name: _table_status(model) for name, model in TABLES.items()}
    healthy = all(status == "ACTIVE" for status in tables.values())
    body = {"status": "ok" if healthy else "unavailable", "tables": tables}
    return Response(body=body, status_code=200 if healthy else 503)
