"""Write the published JSON Schema files from the pydantic models:
`python -m infra.published_schemas` (a test fails when a file is out of date)."""

import json
from pathlib import Path

from chalicelib.orders.schemas import TicketStatusEvent

DOCS_DIR = Path(__file__).resolve().parents[1] / "docs"
SCHEMA_FILES = {"ticket-status-event.schema.json": TicketStatusEvent}


def json_schema(model: type[TicketStatusEvent]) -> str:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **model.model_json_schema()}
    return json.dumps(schema, indent=2) + "\n"


if __name__ == "__main__":
    for name, model in SCHEMA_FILES.items():
        (DOCS_DIR / name).write_text(json_schema(model))
        print(f"wrote docs/{name}")
