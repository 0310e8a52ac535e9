"""The emulator's fixes to moto hold DynamoDB's promises: a cancelled
transaction leaves no item and no stream record behind, and a successful one
writes all of its items."""

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends

TABLE = "fidelity"


@pytest.fixture
def table(aws: None) -> str:
    boto3.client("dynamodb", region_name="us-east-1").create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return TABLE


def _put(pk: str, sk: str, **extra: object) -> dict:
    item = {"pk": {"S": pk}, "sk": {"S": sk}, **{name: {"S": str(value)} for name, value in extra.items()}}
    return {"Put": {"TableName": TABLE, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}


def _stream_records() -> int:
    return len(dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].tables[TABLE].stream_shard.items)


def _items() -> list[dict]:
    return boto3.client("dynamodb", region_name="us-east-1").scan(TableName=TABLE)["Items"]


def test_a_cancelled_transaction_leaves_nothing_behind(table: str) -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.transact_write_items(TransactItems=[_put("A", "1", v="before"), _put("Z", "1")])
    records_before = _stream_records()

    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(
            TransactItems=[
                _put("B", "1"),
                _put("B", "2"),
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": {"pk": {"S": "A"}, "sk": {"S": "1"}},
                        "UpdateExpression": "SET v = :v",
                        "ExpressionAttributeValues": {":v": {"S": "after"}},
                    }
                },
                _put("Z", "1"),
            ]
        )

    assert sorted((item["pk"]["S"], item.get("v", {}).get("S")) for item in _items()) == [("A", "before"), ("Z", None)]
    assert _stream_records() == records_before


def test_a_transaction_writes_all_its_items_and_streams_each(table: str) -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.transact_write_items(TransactItems=[_put("C", str(n)) for n in range(5)])
    assert len(_items()) == 5
    assert _stream_records() == 5
