import json

import jsonschema
import pytest

from infra.published_schemas import DOCS_DIR, SCHEMA_FILES, json_schema


@pytest.mark.parametrize("name", sorted(SCHEMA_FILES))
def test_published_schema_matches_the_model(name: str) -> None:
    assert (DOCS_DIR / name).read_text() == json_schema(SCHEMA_FILES[name]), "run: python -m infra.published_schemas"


def test_status_event_schema_accepts_the_readme_example_and_rejects_garbage() -> None:
    schema = json.loads((DOCS_DIR / "ticket-status-event.schema.json").read_text())
    example = {
        "ticket_code": "3894b1d1-a7fc-4479-a01d-7a699b9ed6b2",
        "status": "DONE",
        "event_id": "wms-42",
        "occurred_at": "2026-11-26T14:00:00Z",
        "source": "warehouse",
    }
    jsonschema.validate(example, schema, format_checker=jsonschema.FormatChecker())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**example, "status": "LOST"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"status": "DONE"}, schema)
