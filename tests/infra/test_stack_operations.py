"""What keeps the stage observable and bounded: alarms, the dashboard, outputs.
The API's throttling and 5xx alarm, for each front door: test_stack_front_door.py."""

import json

from chalicelib.observability import BREAKDOWNS, NAMESPACE, Metric
from chalicelib.queues import MAX_RECEIVE_COUNT
from chalicelib.tables import TABLES
from infra.cdk.http_api import DEFAULT_STAGE
from infra.cdk.permissions import FUNCTIONS
from infra.cdk.stages import DEPLOYED_STAGES
from tests.infra.conftest import STAGE, Synthesized


def _alarms(synthesized: Synthesized) -> list[dict]:
    return [alarm["Properties"] for alarm in synthesized.of_type("AWS::CloudWatch::Alarm").values()]


def _alarm_topic(synthesized: Synthesized) -> str:
    (topic,) = synthesized.of_type("AWS::SNS::Topic")
    return topic


def test_every_dead_letter_queue_has_a_depth_alarm(synthesized: Synthesized) -> None:
    dead_letter_queues = {
        logical_id
        for logical_id, queue in synthesized.of_type("AWS::SQS::Queue").items()
        if queue["Properties"]["QueueName"].endswith("-dlq")
    }
    watched = {
        alarm["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for alarm in _alarms(synthesized)
        if alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    }
    assert watched == dead_letter_queues
    for alarm in _alarms(synthesized):
        if alarm["MetricName"] == "ApproximateNumberOfMessagesVisible":
            assert alarm["Namespace"] == "AWS/SQS"
            assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
            assert alarm["Threshold"] == 0


def test_each_functions_errors_and_throttles_raise_alarms(synthesized: Synthesized) -> None:
    alarms = _alarms(synthesized)
    lambda_alarms = {
        (alarm["MetricName"], alarm["Dimensions"][0]["Value"]["Ref"])
        for alarm in alarms
        if alarm["Namespace"] == "AWS/Lambda"
    }
    assert lambda_alarms == {(metric, function) for metric in ("Errors", "Throttles") for function in FUNCTIONS}


def test_every_alarm_notifies_the_stages_topic(synthesized: Synthesized) -> None:
    topic = _alarm_topic(synthesized)
    for alarm in _alarms(synthesized):
        assert alarm["AlarmActions"] == [{"Ref": topic}]
        assert alarm["TreatMissingData"] == "notBreaching"


def test_outputs_give_the_api_url_and_the_queue_urls(synthesized: Synthesized) -> None:
    outputs = synthesized.outputs
    assert {
        "EndpointURL",
        "TicketStatusEventsQueueUrl",
        "OrderEventsQueueUrl",
        "SigningKeyArn",
        "AlarmTopicArn",
    } <= set(outputs)


def test_dev_data_goes_with_the_stack_and_prod_data_stays() -> None:
    assert not DEPLOYED_STAGES["dev"].retain_data
    assert DEPLOYED_STAGES["prod"].retain_data
    assert DEPLOYED_STAGES["prod"].api_rate_limit > DEPLOYED_STAGES["dev"].api_rate_limit


# --- the dashboard ---------------------------------------------------------------------------------


def _token(part: object) -> str:
    """A reference in the dashboard's body, as a readable stand-in: Ref:<id> or GetAtt:<id>.<attribute>."""
    assert isinstance(part, dict), part
    if "Ref" in part:
        return f"Ref:{part['Ref']}"
    logical_id, attribute = part["Fn::GetAtt"]
    return f"GetAtt:{logical_id}.{attribute}"


def dashboard(synthesized: Synthesized) -> tuple[dict, dict]:
    """The one dashboard's properties, and its body with every reference as a stand-in."""
    ((_, resource),) = synthesized.of_type("AWS::CloudWatch::Dashboard").items()
    body = resource["Properties"]["DashboardBody"]
    text = "".join(part if isinstance(part, str) else _token(part) for part in body["Fn::Join"][1])
    return resource["Properties"], json.loads(text)


def graphed(body: dict) -> list[list]:
    """Every metric line of every widget: [namespace, name, dimension, value, ..., {options}]."""
    return [line for widget in body["widgets"] for line in widget["properties"].get("metrics", [])]


def plain_metrics(body: dict) -> set[tuple]:
    """(namespace, metric name, dimensions as sorted pairs, stat) of every metric graphed directly."""
    found = set()
    for line in graphed(body):
        if isinstance(line[0], dict):
            continue  # an expression
        *names, options = line if isinstance(line[-1], dict) else (*line, {})
        namespace, metric_name, *pairs = names
        dimensions = tuple(sorted(zip(pairs[::2], pairs[1::2], strict=True)))
        found.add((namespace, metric_name, dimensions, options.get("stat")))
    return found


def expressions(body: dict) -> list[str]:
    return [line[0]["expression"] for line in graphed(body) if isinstance(line[0], dict)]


def _logical_ids(synthesized: Synthesized, resource_type: str, name_property: str) -> dict[str, str]:
    return {
        resource["Properties"][name_property]: logical_id
        for logical_id, resource in synthesized.of_type(resource_type).items()
    }


def test_the_dashboard_shows_the_http_apis_requests_errors_and_latency(synthesized: Synthesized) -> None:
    properties, body = dashboard(synthesized)
    (api_id,) = synthesized.of_type("AWS::ApiGatewayV2::Api")
    dimensions = tuple(sorted([("ApiId", f"Ref:{api_id}"), ("Stage", DEFAULT_STAGE)]))

    assert properties["DashboardName"] == "catalyst-dev-operations"
    assert {
        ("AWS/ApiGateway", "Count", dimensions, "Sum"),
        ("AWS/ApiGateway", "4xx", dimensions, "Sum"),
        ("AWS/ApiGateway", "5xx", dimensions, "Sum"),
        ("AWS/ApiGateway", "Latency", dimensions, "p50"),
        ("AWS/ApiGateway", "Latency", dimensions, "p99"),
    } <= plain_metrics(body)


def test_behind_the_rest_api_the_dashboard_shows_the_rest_apis_metrics(synthesized_rest: Synthesized) -> None:
    _, body = dashboard(synthesized_rest)
    dimensions = tuple(sorted([("ApiName", "catalyst-dev-api"), ("Stage", "api")]))

    api_metrics = {metric for metric in plain_metrics(body) if metric[0] == "AWS/ApiGateway"}
    assert api_metrics == {
        ("AWS/ApiGateway", "Count", dimensions, "Sum"),
        ("AWS/ApiGateway", "4XXError", dimensions, "Sum"),
        ("AWS/ApiGateway", "5XXError", dimensions, "Sum"),
        ("AWS/ApiGateway", "Latency", dimensions, "p50"),
        ("AWS/ApiGateway", "Latency", dimensions, "p99"),
    }


def test_the_dashboard_shows_each_functions_errors_throttles_and_duration(synthesized: Synthesized) -> None:
    _, body = dashboard(synthesized)

    lambda_metrics = {metric for metric in plain_metrics(body) if metric[0] == "AWS/Lambda"}
    assert lambda_metrics == {
        ("AWS/Lambda", name, (("FunctionName", f"Ref:{function}"),), stat)
        for function in FUNCTIONS
        for name, stat in [("Errors", "Sum"), ("Throttles", "Sum"), ("Duration", "p50"), ("Duration", "p99")]
    }


def test_the_dashboard_shows_the_status_queue_and_every_dead_letter_queue(synthesized: Synthesized) -> None:
    _, body = dashboard(synthesized)
    queues = _logical_ids(synthesized, "AWS::SQS::Queue", "QueueName")

    def queue(name: str) -> tuple:
        return (("QueueName", f"GetAtt:{queues[name]}.QueueName"),)

    sqs_metrics = {metric[1:] for metric in plain_metrics(body) if metric[0] == "AWS/SQS"}
    assert sqs_metrics == {
        ("ApproximateNumberOfMessagesVisible", queue("catalyst-dev-ticket-status-events"), "Maximum"),
        ("ApproximateAgeOfOldestMessage", queue("catalyst-dev-ticket-status-events"), "Maximum"),
        *(("ApproximateNumberOfMessagesVisible", queue(name), "Maximum") for name in queues if name.endswith("-dlq")),
    }
    assert sum(name.endswith("-dlq") for name in queues) == 3


def test_the_dashboard_shows_each_tables_consumed_capacity_and_throttles(synthesized: Synthesized) -> None:
    _, body = dashboard(synthesized)
    tables = _logical_ids(synthesized, "AWS::DynamoDB::Table", "TableName")

    dynamodb_metrics = {metric for metric in plain_metrics(body) if metric[0] == "AWS/DynamoDB"}
    assert dynamodb_metrics == {
        ("AWS/DynamoDB", name, (("TableName", f"Ref:{logical_id}"),), "Sum")
        for logical_id in tables.values()
        for name in (
            "ConsumedReadCapacityUnits",
            "ConsumedWriteCapacityUnits",
            "ReadThrottleEvents",
            "WriteThrottleEvents",
        )
    }
    assert len(tables) == len(TABLES)


def test_the_dashboard_shows_every_business_metric_and_breakdown(synthesized: Synthesized) -> None:
    _, body = dashboard(synthesized)

    totals = {metric[1] for metric in plain_metrics(body) if metric[0] == NAMESPACE}
    searches = expressions(body)
    assert all(metric[2] == (("stage", STAGE),) for metric in plain_metrics(body) if metric[0] == NAMESPACE)
    assert totals == {
        Metric.ORDERS_CREATED,
        Metric.TICKETS_PER_ORDER,
        Metric.LOGIN_FAILURES,
        Metric.LOGIN_LOCKOUTS,
    }
    assert sorted(searches) == sorted(
        f"SEARCH('{{Catalyst,stage,{','.join(dimensions)}}} MetricName=\"{metric}\" stage=\"{STAGE}\"', 'Sum', 300)"
        for metric, sets in BREAKDOWNS.items()
        for dimensions in sets
    )
    # Every metric the app writes is on the page, alone or broken down.
    assert set(Metric) == totals | set(BREAKDOWNS)


def test_a_status_event_older_than_its_retries_would_make_it_raises_an_alarm(synthesized: Synthesized) -> None:
    queues = _logical_ids(synthesized, "AWS::SQS::Queue", "QueueName")
    status_queue = queues["catalyst-dev-ticket-status-events"]
    visibility = synthesized.resources[status_queue]["Properties"]["VisibilityTimeout"]

    [alarm] = [alarm for alarm in _alarms(synthesized) if alarm["MetricName"] == "ApproximateAgeOfOldestMessage"]

    assert alarm["Namespace"] == "AWS/SQS"
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [status_queue, "QueueName"]}}]
    assert (alarm["Statistic"], alarm["ComparisonOperator"]) == ("Maximum", "GreaterThanThreshold")
    assert alarm["Threshold"] == MAX_RECEIVE_COUNT * visibility
