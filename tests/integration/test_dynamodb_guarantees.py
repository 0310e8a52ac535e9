"""DynamoDB's promises that the app's correctness rests on, checked on each
backend: the emulator holds them only through infra/local/moto_fidelity.py,
so LocalStack (DynamoDB Local) checks that the patch gives what AWS gives.

- A conditional write is checked and applied atomically.
- A transaction is all or nothing, for the items and for the stream.
- Through the API: racing status reports keep an order's counts equal to
  its tickets and its history a chain, whatever transactions are cancelled.
"""

import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from chalicelib.orders.domain import TicketStatus, order_status_from_tickets
from infra.local.emulator import Emulator
from infra.local.waiters import wait_until_active
from tests.integration.conftest import LocalStack, aws_client

WRITERS = 12


def run_together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Every call at once, released by one barrier; their results in order."""
    barrier = Barrier(len(calls))

    def released(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(released, calls))


@pytest.fixture
def table(emulator: Emulator) -> tuple[Any, str]:
    dynamodb = aws_client(emulator, "dynamodb")
    name = f"guarantees-{uuid.uuid4().hex[:10]}"
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    wait_until_active(dynamodb, name, delay_seconds=1)
    yield dynamodb, name
    dynamodb.delete_table(TableName=name)


def _put_new(table: str, key: str, **values: str) -> dict[str, Any]:
    item = {"pk": {"S": key}, **{name: {"S": value} for name, value in values.items()}}
    return {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}


def _stream_keys(emulator: Emulator, dynamodb: Any, table: str) -> list[str]:
    streams = aws_client(emulator, "dynamodbstreams")
    arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    keys = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records = streams.get_records(ShardIterator=iterator)["Records"]
        keys += [record["dynamodb"]["Keys"]["pk"]["S"] for record in records]
    return keys


def test_of_concurrent_conditional_puts_of_one_key_exactly_one_succeeds(table: tuple[Any, str]) -> None:
    dynamodb, name = table

    def put(writer: int) -> str:
        try:
            dynamodb.put_item(**_put_new(name, "contested", writer=str(writer))["Put"])
        except ClientError as error:
            return error.response["Error"]["Code"]
        return "written"

    outcomes = run_together([lambda writer=writer: put(writer) for writer in range(WRITERS)])

    assert Counter(outcomes) == {"written": 1, "ConditionalCheckFailedException": WRITERS - 1}
    stored = dynamodb.get_item(TableName=name, Key={"pk": {"S": "contested"}}, ConsistentRead=True)["Item"]
    assert outcomes[int(stored["writer"]["S"])] == "written"


def test_a_cancelled_transaction_writes_no_item_and_no_stream_record(
    emulator: Emulator, table: tuple[Any, str]
) -> None:
    dynamodb, name = table
    dynamodb.put_item(TableName=name, Item={"pk": {"S": "taken"}})

    with pytest.raises(ClientError) as cancelled:
        dynamodb.transact_write_items(TransactItems=[_put_new(name, "fresh"), _put_new(name, "taken")])

    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = [reason["Code"] for reason in cancelled.value.response["CancellationReasons"]]
    assert reasons == ["None", "ConditionalCheckFailed"]
    assert "Item" not in dynamodb.get_item(TableName=name, Key={"pk": {"S": "fresh"}}, ConsistentRead=True)

    dynamodb.transact_write_items(TransactItems=[_put_new(name, "first"), _put_new(name, "second")])

    items = dynamodb.scan(TableName=name, ConsistentRead=True)["Items"]
    assert sorted(item["pk"]["S"] for item in items) == ["first", "second", "taken"]
    assert sorted(_stream_keys(emulator, dynamodb, name)) == ["first", "second", "taken"]


def test_racing_status_reports_keep_the_order_counts_and_history_whole(local_stack: LocalStack) -> None:
    """Two writers per ticket force lost races: cancelled transactions must leave nothing half-done."""
    auth = {"Authorization": f"Token {local_stack.register()}"}
    body = {"customer_name": "Race", "customer_phone": "+1234567890", "tickets": [{"product_codes": ["P"]}] * 3}
    created = requests.post(local_stack.url("/api/orders/create/"), json=body, headers=auth, timeout=30)
    assert created.status_code == 201, created.text
    order_id = created.json()["order_id"]
    codes = [ticket["code"] for ticket in created.json()["tickets"]]
    plans = [["IN_PROGRESS", "DONE", "ERROR"], ["DONE", "IN_PROGRESS", "NEW"]]

    def walk(writer: int) -> list[tuple[str, int, str]]:
        code = codes[writer % len(codes)]
        results = []
        for status in plans[writer % 2]:
            answer = requests.post(
                local_stack.url(f"/api/orders/tickets/{code}/update-status/"), json={"status": status}, timeout=60
            )
            results.append((code, answer.status_code, answer.json().get("outcome", "")))
        return results

    results = run_together([lambda writer=writer: walk(writer) for writer in range(2 * len(codes))])

    answers = [(status, outcome) for result in results for _, status, outcome in result]
    # 503 is the API's answer when retries cannot win a race; never a 500.
    assert {status for status, _ in answers} <= {200, 503}, answers
    applied = Counter(code for result in results for code, status, outcome in result if outcome == "applied")
    detail = requests.get(local_stack.url(f"/api/orders/{order_id}/"), headers=auth, timeout=30).json()
    for ticket in detail["tickets"]:
        history = ticket["history"]
        assert len(history) == applied[ticket["code"]]
        chain = ["NEW"] + [change["to_status"] for change in history]
        assert [change["from_status"] for change in history] == chain[:-1]
        assert chain[-1] == ticket["status"]
    tally = Counter(TicketStatus(ticket["status"]) for ticket in detail["tickets"])
    assert detail["status"] == order_status_from_tickets(tally, cancelled=False).value
