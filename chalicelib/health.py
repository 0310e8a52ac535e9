"""GET /api/health: the app answers and its tables are reachable and active."""

from chalice import Response
from pynamodb.models import Model

from chalicelib.observability import logger
from chalicelib.tables import TABLES
from chalicelib.web.blueprint import ApiBlueprint
from chalicelib.web.openapi import Operation
from chalicelib.web.validation import Schema

health_api = ApiBlueprint(__name__)


class HealthResponse(Schema):
    status: str
    tables: dict[str, str]


def _table_status(model: type[Model]) -> str:
    try:
        return str(model.describe_table()["TableStatus"])
    except Exception:
        logger.warning("health check could not describe a table", extra={"table": model.Meta.table_name}, exc_info=True)
        return "UNREACHABLE"


@health_api.route(
    "/api/health",
    methods=["GET"],
    operation=Operation(summary="Whether the app and its tables are up", tag="health", responses={200: HealthResponse}),
)
def health() -> Response:
    tables = {name: _table_status(model) for name, model in TABLES.items()}
    healthy = all(status == "ACTIVE" for status in tables.values())
    body = HealthResponse(status="ok" if healthy else "unavailable", tables=tables).model_dump()
    return Response(body=body, status_code=200 if healthy else 503)
