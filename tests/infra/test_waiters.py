"""Tables are waited for as AWS needs: the table and every index ACTIVE."""

import boto3
import pytest
from botocore.exceptions import WaiterError
from botocore.stub import Stubber

from infra.local.waiters import wait_until_active

TABLE = "catalyst-test-orders"


def _description(table_status: str, *index_statuses: str) -> dict:
    indexes = [{"IndexName": f"index-{n}", "IndexStatus": status} for n, status in enumerate(index_statuses)]
    return {
        "Table": {
            "TableName": TABLE,
            "TableStatus": table_status,
            **({"GlobalSecondaryIndexes": indexes} if indexes else {}),
        }
    }


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param([("CREATING",), ("ACTIVE",)], id="table-creating"),
        pytest.param([("ACTIVE", "ACTIVE", "CREATING"), ("ACTIVE", "ACTIVE", "ACTIVE")], id="an-index-creating"),
        pytest.param([("ACTIVE", "ACTIVE")], id="ready-at-once"),
    ],
)
def test_waits_until_the_table_and_every_index_are_active(answers: list[tuple[str, ...]]) -> None:
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    with Stubber(dynamodb) as stubber:
        for statuses in answers:
            stubber.add_response("describe_table", _description(*statuses), {"TableName": TABLE})
        wait_until_active(dynamodb, TABLE, delay_seconds=0)
        stubber.assert_no_pending_responses()


def test_gives_up_on_a_table_that_never_becomes_active() -> None:
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    with Stubber(dynamodb) as stubber:
        for _ in range(150):
            stubber.add_response("describe_table", _description("ACTIVE", "CREATING"), {"TableName": TABLE})
        with pytest.raises(WaiterError):
            wait_until_active(dynamodb, TABLE, delay_seconds=0)
