"""The synthesized tables are the PynamoDB models' tables, read straight off the models."""

import pytest
from aws_cdk.assertions import Match
from pynamodb.models import Model

from chalicelib.tables import TABLES
from infra.cdk.permissions import TABLE_ACCESS
from tests.infra.conftest import STAGE, Synthesized


def _table(synthesized: Synthesized, name: str) -> dict:
    tables = synthesized.of_type("AWS::DynamoDB::Table").values()
    (table,) = [table for table in tables if table["Properties"]["TableName"] == f"catalyst-{STAGE}-{name}"]
    return table


def _key_schema(key_schema: list[dict]) -> list[tuple[str, str]]:
    """(attribute, HASH|RANGE), hash key first (PynamoDB lists index keys in any order)."""
    return sorted(((key["AttributeName"], key["KeyType"]) for key in key_schema), key=lambda key: key[1])


def test_the_stack_has_exactly_the_models_tables(synthesized: Synthesized) -> None:
    names = {table["Properties"]["TableName"] for table in synthesized.of_type("AWS::DynamoDB::Table").values()}
    assert names == {f"catalyst-{STAGE}-{name}" for name in TABLES}


@pytest.mark.parametrize(("name", "model"), TABLES.items())
def test_keys_and_indexes_match_the_model(synthesized: Synthesized, name: str, model: type[Model]) -> None:
    schema = model._get_schema()
    properties = _table(synthesized, name)["Properties"]
    assert _key_schema(properties["KeySchema"]) == _key_schema(schema["key_schema"])
    assert sorted(properties["AttributeDefinitions"], key=str) == sorted(schema["attribute_definitions"], key=str)
    expected_indexes = {
        index["index_name"]: (_key_schema(index["key_schema"]), index["projection"]["ProjectionType"])
        for index in schema["global_secondary_indexes"]
    }
    synthesized_indexes = {
        index["IndexName"]: (_key_schema(index["KeySchema"]), index["Projection"]["ProjectionType"])
        for index in properties.get("GlobalSecondaryIndexes", [])
    }
    assert synthesized_indexes == expected_indexes
    assert not properties.get("LocalSecondaryIndexes")


# What each index holds besides the keys: its readers fetch the items themselves
# (one BatchGetItem or GetItem), so an index holds only the item's kind, which
# PynamoDB needs to tell an order from a ticket and which never changes. A write
# that changes no key then writes no index.
PROJECTIONS = {
    "orders": {
        "owner-index": ("INCLUDE", ["kind"]),
        "month-index": ("INCLUDE", ["kind"]),
        "status-month-index": ("INCLUDE", ["kind"]),
        "ticket_code-index": ("INCLUDE", ["kind"]),
    },
    "users": {"user_id-index": ("KEYS_ONLY", []), "legacy_token-index": ("KEYS_ONLY", [])},
}


def test_every_index_projects_its_keys_and_at_most_the_kind(synthesized: Synthesized) -> None:
    projections = {
        name: {
            index["IndexName"]: (index["Projection"]["ProjectionType"], index["Projection"].get("NonKeyAttributes", []))
            for index in _table(synthesized, name)["Properties"].get("GlobalSecondaryIndexes", [])
        }
        for name in TABLES
    }
    assert {name: indexes for name, indexes in projections.items() if indexes} == PROJECTIONS


@pytest.mark.parametrize(("name", "model"), TABLES.items())
def test_stream_ttl_and_billing_match_the_model(synthesized: Synthesized, name: str, model: type[Model]) -> None:
    properties = _table(synthesized, name)["Properties"]
    stream_view_type = getattr(model.Meta, "stream_view_type", None)
    assert properties.get("StreamSpecification") == ({"StreamViewType": stream_view_type} if stream_view_type else None)
    ttl = model._ttl_attribute()
    assert properties.get("TimeToLiveSpecification") == (
        {"AttributeName": ttl.attr_name, "Enabled": True} if ttl else None
    )
    assert properties["BillingMode"] == model.Meta.billing_mode == "PAY_PER_REQUEST"


def test_the_orders_table_streams_old_and_new_images(synthesized: Synthesized) -> None:
    assert _table(synthesized, "orders")["Properties"]["StreamSpecification"] == {
        "StreamViewType": "NEW_AND_OLD_IMAGES"
    }


def test_the_expiring_table_expires_records(synthesized: Synthesized) -> None:
    assert _table(synthesized, "expiring")["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": "expires_at",
        "Enabled": True,
    }


def test_every_table_has_point_in_time_recovery(synthesized: Synthesized) -> None:
    synthesized.template.all_resources_properties(
        "AWS::DynamoDB::Table",
        Match.object_like({"PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}}),
    )


def test_every_table_is_used_by_some_function() -> None:
    """A table nobody is granted would be unreachable on AWS: permissions.py must name it."""
    granted = {table for tables in TABLE_ACCESS.values() for table in tables}
    assert granted == set(TABLES)
