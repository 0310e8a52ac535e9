"""Waiting for AWS resources as one must on AWS, where nothing is ready at once."""

from typing import Any

from botocore.waiter import WaiterModel, create_waiter_with_client

# AWS answers CreateTable with CREATING, and a new index is CREATING too
# (emulators answer ACTIVE at once): a table is ready when it and every one of
# its indexes are ACTIVE. botocore's own table_exists waiter checks the table alone.
_TABLE_ACTIVE = WaiterModel(
    {
        "version": 2,
        "waiters": {
            "TableAndIndexesActive": {
                "operation": "DescribeTable",
                "delay": 2,
                "maxAttempts": 150,
                "acceptors": [
                    {
                        "state": "success",
                        "matcher": "path",
                        "argument": "Table.TableStatus == 'ACTIVE' && "
                        "length(Table.GlobalSecondaryIndexes[?IndexStatus != 'ACTIVE'] || `[]`) == `0`",
                        "expected": True,
                    },
                    {"state": "retry", "matcher": "error", "expected": "ResourceNotFoundException"},
                ],
            }
        },
    }
)


def wait_until_active(dynamodb: Any, table_name: str, *, delay_seconds: int = 2) -> None:
    """Until `table_name` and its indexes are ACTIVE, through `dynamodb` (a boto3 client)."""
    waiter = create_waiter_with_client("TableAndIndexesActive", _TABLE_ACTIVE, dynamodb)
    waiter.wait(TableName=table_name, WaiterConfig={"Delay": delay_seconds})
