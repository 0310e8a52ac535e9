"""The Chalice functions: their event sources, their roles and the signing key."""

import json
import re

import pytest

from infra.cdk.permissions import (
    API_HANDLER,
    FUNCTIONS,
    ORDER_EVENTS,
    STREAM_SOURCES,
    TABLE_ACCESS,
    TICKET_STATUS_EVENTS,
    TRACE_WRITE_ACTIONS,
)
from tests.infra.conftest import STAGE, Synthesized

EVENT_SOURCE_TYPES = {"SQS", "DynamoDB"}


def _functions(synthesized: Synthesized) -> dict[str, dict]:
    return synthesized.of_type("AWS::Serverless::Function")


def _event_sources(synthesized: Synthesized) -> list[tuple[str, dict]]:
    return [
        (name, event)
        for name, function in _functions(synthesized).items()
        for event in function["Properties"].get("Events", {}).values()
    ]


def _logical_id(synthesized: Synthesized, resource_type: str, name: str) -> str:
    """The logical id of the one resource of a type whose name property is `name`."""
    name_properties = {"AWS::SQS::Queue": "QueueName", "AWS::DynamoDB::Table": "TableName"}
    (logical_id,) = [
        logical_id
        for logical_id, resource in synthesized.of_type(resource_type).items()
        if resource["Properties"][name_properties[resource_type]] == name
    ]
    return logical_id


def _statements(synthesized: Synthesized, function: str) -> list[dict]:
    role = _functions(synthesized)[function]["Properties"]["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for policy in synthesized.of_type("AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def _grants(synthesized: Synthesized, function: str) -> dict[str, set[str]]:
    """Action -> the resources (as JSON) the function's role has it on."""
    grants: dict[str, set[str]] = {}
    for statement in _statements(synthesized, function):
        assert statement["Effect"] == "Allow"
        for action in _as_list(statement["Action"]):
            grants.setdefault(action, set()).update(
                json.dumps(resource) for resource in _as_list(statement["Resource"])
            )
    return grants


def test_the_stack_runs_every_function_of_the_app(synthesized: Synthesized) -> None:
    assert set(_functions(synthesized)) == set(FUNCTIONS)


def test_functions_run_python_3_12_on_arm64(synthesized: Synthesized) -> None:
    for function in _functions(synthesized).values():
        assert function["Properties"]["Runtime"] == "python3.12"
        assert function["Properties"]["Architectures"] == ["arm64"]


def test_every_event_source_reports_batch_item_failures(synthesized: Synthesized) -> None:
    sources = _event_sources(synthesized)
    assert {event["Type"] for _, event in sources} == EVENT_SOURCE_TYPES
    for _, event in sources:
        assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_status_consumer_reads_the_stacks_queue(synthesized: Synthesized) -> None:
    (event,) = _functions(synthesized)[TICKET_STATUS_EVENTS]["Properties"]["Events"].values()
    queue = _logical_id(synthesized, "AWS::SQS::Queue", f"catalyst-{STAGE}-ticket-status-events")
    assert event["Type"] == "SQS"
    # A reference, so CloudFormation creates the queue before the mapping.
    assert event["Properties"]["Queue"] == {"Fn::GetAtt": [queue, "Arn"]}
    assert event["Properties"]["BatchSize"] == 10


def test_the_order_events_handler_reads_the_orders_tables_stream(synthesized: Synthesized) -> None:
    (event,) = _functions(synthesized)[ORDER_EVENTS]["Properties"]["Events"].values()
    orders = _logical_id(synthesized, "AWS::DynamoDB::Table", f"catalyst-{STAGE}-orders")
    failures = _logical_id(synthesized, "AWS::SQS::Queue", f"catalyst-{STAGE}-orders-stream-dlq")
    properties = event["Properties"]
    assert event["Type"] == "DynamoDB"
    assert properties["Stream"] == {"Fn::GetAtt": [orders, "StreamArn"]}
    assert properties["StartingPosition"] == "TRIM_HORIZON"
    assert properties["BisectBatchOnFunctionError"] is True
    assert 0 < properties["MaximumRetryAttempts"] <= 100
    assert properties["DestinationConfig"] == {
        "OnFailure": {"Type": "SQS", "Destination": {"Fn::GetAtt": [failures, "Arn"]}}
    }


def test_each_function_has_a_role_of_its_own(synthesized: Synthesized) -> None:
    roles = [function["Properties"]["Role"] for function in _functions(synthesized).values()]
    assert len({json.dumps(role) for role in roles}) == len(FUNCTIONS)
    assert all(set(role) == {"Fn::GetAtt"} for role in roles)
    assert not synthesized.of_type("AWS::IAM::ManagedPolicy")
    for role in synthesized.of_type("AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]
        assert "Policies" not in role["Properties"]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_no_policy_grants_data_actions_on_every_resource(synthesized: Synthesized, function: str) -> None:
    for statement in _statements(synthesized, function):
        if "*" in _as_list(statement["Resource"]):
            # X-Ray's write actions alone: they have no resource to name.
            assert sorted(_as_list(statement["Action"])) == sorted(TRACE_WRITE_ACTIONS), statement
        for action in _as_list(statement["Action"]):
            assert not action.endswith("*"), statement


def test_every_function_is_traced_by_xray_and_may_send_its_traces(synthesized: Synthesized) -> None:
    functions = _functions(synthesized)
    assert {name: function["Properties"].get("Tracing") for name, function in functions.items()} == dict.fromkeys(
        FUNCTIONS, "Active"
    )
    for function in FUNCTIONS:
        assert set(TRACE_WRITE_ACTIONS) <= set(_grants(synthesized, function)), function


@pytest.mark.parametrize("function", FUNCTIONS)
def test_table_grants_name_exactly_the_tables_the_function_uses(synthesized: Synthesized, function: str) -> None:
    grants = _grants(synthesized, function)
    for table, actions in TABLE_ACCESS[function].items():
        logical_id = _logical_id(synthesized, "AWS::DynamoDB::Table", f"catalyst-{STAGE}-{table}")
        table_arn = json.dumps({"Fn::GetAtt": [logical_id, "Arn"]})
        for action in actions:
            assert table_arn in grants[action], (function, table, action)
    granted_tables = {
        match
        for action, resources in grants.items()
        if action.startswith("dynamodb:")
        for resource in resources
        for match in re.findall(r'"Fn::GetAtt": \["(\w+)", "(?:Arn|StreamArn)"\]', resource)
    }
    used = set(TABLE_ACCESS[function]) | ({STREAM_SOURCES[function]} if function in STREAM_SOURCES else set())
    expected = {_logical_id(synthesized, "AWS::DynamoDB::Table", f"catalyst-{STAGE}-{table}") for table in used}
    assert granted_tables == expected


def test_only_the_stream_handler_reads_the_stream(synthesized: Synthesized) -> None:
    orders = _logical_id(synthesized, "AWS::DynamoDB::Table", f"catalyst-{STAGE}-orders")
    stream = json.dumps({"Fn::GetAtt": [orders, "StreamArn"]})
    for function in FUNCTIONS:
        grants = _grants(synthesized, function)
        assert (stream in grants.get("dynamodb:GetRecords", set())) == (function == ORDER_EVENTS)
    handler = _grants(synthesized, ORDER_EVENTS)
    for action in ("dynamodb:DescribeStream", "dynamodb:GetShardIterator", "dynamodb:GetRecords"):
        assert handler[action] == {stream}


def test_queue_grants_follow_who_sends_and_who_consumes(synthesized: Synthesized) -> None:
    def queue(name: str) -> str:
        return json.dumps(
            {"Fn::GetAtt": [_logical_id(synthesized, "AWS::SQS::Queue", f"catalyst-{STAGE}-{name}"), "Arn"]}
        )

    api, consumer, publisher = (_grants(synthesized, function) for function in FUNCTIONS)
    assert not any(action.startswith("sqs:") for action in api)
    assert consumer["sqs:ReceiveMessage"] == consumer["sqs:DeleteMessage"] == {queue("ticket-status-events")}
    assert consumer["sqs:SendMessage"] == {queue("ticket-status-events-dlq")}
    assert "sqs:ReceiveMessage" not in publisher
    assert publisher["sqs:SendMessage"] == {queue("order-events"), queue("orders-stream-dlq")}


def test_the_signing_key_is_generated_by_secrets_manager_and_read_only_by_the_api(synthesized: Synthesized) -> None:
    ((secret_id, secret),) = synthesized.of_type("AWS::SecretsManager::Secret").items()
    assert secret["Properties"]["Name"] == f"catalyst/{STAGE}/signing-key"
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    assert "SecretString" not in secret["Properties"]
    for name, function in _functions(synthesized).items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert "SECRET_KEY" not in variables
        assert variables["SECRET_KEY_SECRET_ID"] == {"Ref": secret_id}
        readers = _grants(synthesized, name).get("secretsmanager:GetSecretValue", set())
        assert readers == ({json.dumps({"Ref": secret_id})} if name == API_HANDLER else set())


def test_no_signing_key_reaches_the_template_or_the_package(synthesized: Synthesized) -> None:
    for path in synthesized.cloud_assembly.rglob("*.json"):
        assert synthesized.deployer_secret_key not in path.read_text(), path
    with synthesized.function_code() as package:
        for name in package.namelist():
            assert synthesized.deployer_secret_key.encode() not in package.read(name), name


def test_the_package_holds_the_app_and_nothing_of_the_repositorys_tooling(synthesized: Synthesized) -> None:
    with synthesized.function_code() as package:
        top_level = {name.split("/", 1)[0] for name in package.namelist()}
    assert {"app.py", "chalicelib"} <= top_level
    assert not top_level & {"infra", "tests", "bench", ".chalice", "requirements-dev.txt"}


def test_each_function_logs_to_its_own_group_with_a_retention(synthesized: Synthesized) -> None:
    groups = synthesized.of_type("AWS::Logs::LogGroup")
    for name, function in _functions(synthesized).items():
        group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert groups[group]["Properties"]["RetentionInDays"] > 0
        assert _grants(synthesized, name)["logs:PutLogEvents"] == {json.dumps({"Fn::GetAtt": [group, "Arn"]})}
