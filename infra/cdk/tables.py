"""DynamoDB tables as CDK reads them off the PynamoDB models.

The models are the one description of every table: keys, indexes, stream,
TTL and billing mode come from them, so the stack cannot drift from what
the code queries (tests/infra checks the synthesized template against the
models too).
"""

from dataclasses import dataclass

from aws_cdk import aws_dynamodb as dynamodb
from pynamodb.models import Model

ATTRIBUTE_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}
PROJECTION_TYPES = {
    "ALL": dynamodb.ProjectionType.ALL,
    "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
    "INCLUDE": dynamodb.ProjectionType.INCLUDE,
}
BILLING_MODES = {
    "PAY_PER_REQUEST": dynamodb.BillingMode.PAY_PER_REQUEST,
    "PROVISIONED": dynamodb.BillingMode.PROVISIONED,
}
STREAM_VIEW_TYPES = {view.value: view for view in dynamodb.StreamViewType}


@dataclass(frozen=True)
class TableShape:
    name: str
    partition_key: dynamodb.Attribute
    sort_key: dynamodb.Attribute | None
    indexes: list[dynamodb.GlobalSecondaryIndexProps]
    billing_mode: dynamodb.BillingMode
    stream: dynamodb.StreamViewType | None
    ttl_attribute: str | None


def _key_attributes(key_schema: list[dict], types: dict[str, str]) -> dict[str, dynamodb.Attribute]:
    """{"HASH": Attribute, "RANGE": Attribute} for a table's or an index's key schema."""
    return {
        key["KeyType"]: dynamodb.Attribute(name=key["AttributeName"], type=ATTRIBUTE_TYPES[types[key["AttributeName"]]])
        for key in key_schema
    }


def table_shape(model: type[Model]) -> TableShape:
    schema = model._get_schema()
    types = {attribute["AttributeName"]: attribute["AttributeType"] for attribute in schema["attribute_definitions"]}
    if schema["local_secondary_indexes"]:
        raise NotImplementedError(f"{model.Meta.table_name}: local secondary indexes are not mapped yet")
    keys = _key_attributes(schema["key_schema"], types)
    indexes = []
    for index in schema["global_secondary_indexes"]:
        index_keys = _key_attributes(index["key_schema"], types)
        projection = index["projection"]
        indexes.append(
            dynamodb.GlobalSecondaryIndexProps(
                index_name=index["index_name"],
                partition_key=index_keys["HASH"],
                sort_key=index_keys.get("RANGE"),
                projection_type=PROJECTION_TYPES[projection["ProjectionType"]],
                non_key_attributes=projection.get("NonKeyAttributes"),
            )
        )
    ttl = model._ttl_attribute()
    stream_view_type = getattr(model.Meta, "stream_view_type", None)
    return TableShape(
        name=model.Meta.table_name,
        partition_key=keys["HASH"],
        sort_key=keys.get("RANGE"),
        indexes=indexes,
        billing_mode=BILLING_MODES[model.Meta.billing_mode],
        stream=STREAM_VIEW_TYPES[stream_view_type] if stream_view_type else None,
        ttl_attribute=ttl.attr_name if ttl else None,
    )
