"""The stage's CloudWatch dashboard, and the metrics the stack's alarms share with it.

One page answers the first day's questions: how the front door answers
(requests, 4xx, 5xx, p50/p99 latency, with the metrics of whichever front
door the stage uses); how each function fares (errors, throttles,
duration); whether status reports are waiting (the status queue's depth and
the age of its oldest message) or failing for good (each dead-letter
queue's depth); what DynamoDB costs and refuses (consumed capacity and
throttles per table); and the business metrics the app writes into its log
(chalicelib/observability.py), each breakdown found by a SEARCH expression,
so that a new integrator or event type appears without a deployment.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from chalicelib.observability import BREAKDOWNS, NAMESPACE, STAGE_DIMENSION, Metric
from infra.cdk.stages import HTTP_API, REST_API, FrontDoor

PERIOD = Duration.minutes(5)
# A dashboard row is 24 units wide.
WIDGET_WIDTH, WIDGET_HEIGHT = 8, 6
# API Gateway names its metrics differently for its two kinds of API.
API_METRIC_NAMES: dict[FrontDoor, dict[str, str]] = {
    HTTP_API: {"requests": "Count", "4xx": "4xx", "5xx": "5xx", "latency": "Latency"},
    REST_API: {"requests": "Count", "4xx": "4XXError", "5xx": "5XXError", "latency": "Latency"},
}


@dataclass(frozen=True)
class ApiMetrics:
    """The front door's metrics, by what they count ("requests", "4xx", "5xx", "latency")."""

    front_door: FrontDoor
    dimensions: Mapping[str, str]

    def metric(self, kind: str, *, statistic: str, period: Duration = PERIOD) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/ApiGateway",
            metric_name=API_METRIC_NAMES[self.front_door][kind],
            dimensions_map=dict(self.dimensions),
            period=period,
            statistic=statistic,
        )


def function_metric(
    function_name: str, metric_name: str, *, statistic: str, period: Duration = PERIOD
) -> cloudwatch.Metric:
    """One of Lambda's metrics of a function (`function_name`: its deployed name, as a token)."""
    return cloudwatch.Metric(
        namespace="AWS/Lambda",
        metric_name=metric_name,
        dimensions_map={"FunctionName": function_name},
        period=period,
        statistic=statistic,
    )


def business_metric(stage: str, metric: Metric, *, statistic: str = "Sum") -> cloudwatch.Metric:
    """A metric of the app's own, under [stage] alone."""
    return cloudwatch.Metric(
        namespace=NAMESPACE,
        metric_name=metric.value,
        dimensions_map={STAGE_DIMENSION: stage},
        period=PERIOD,
        statistic=statistic,
    )


def business_breakdown(stage: str, metric: Metric, dimensions: tuple[str, ...]) -> cloudwatch.MathExpression:
    """Every series of `metric` under [stage, *dimensions], whatever their values are."""
    schema = ",".join((NAMESPACE, STAGE_DIMENSION, *dimensions))
    return cloudwatch.MathExpression(
        expression=(
            f"SEARCH('{{{schema}}} MetricName=\"{metric.value}\" {STAGE_DIMENSION}=\"{stage}\"', 'Sum', "
            f"{int(PERIOD.to_seconds())})"
        ),
        label="",
        period=PERIOD,
    )


class OperationsDashboard(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        stage: str,
        api: ApiMetrics,
        functions: Mapping[str, str],
        status_queue: sqs.Queue,
        dead_letter_queues: Mapping[str, sqs.Queue],
        tables: Mapping[str, dynamodb.Table],
    ) -> None:
        super().__init__(scope, construct_id)
        rows = [
            self._api_row(api),
            *self._function_rows(functions),
            self._queue_row(status_queue, dead_letter_queues),
            self._table_row(tables),
            *self._business_rows(stage),
        ]
        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=name, widgets=rows)

    @staticmethod
    def _api_row(api: ApiMetrics) -> list[cloudwatch.IWidget]:
        return [
            _graph("API requests", [api.metric("requests", statistic="Sum")]),
            _graph("API 4xx and 5xx", [api.metric("4xx", statistic="Sum"), api.metric("5xx", statistic="Sum")]),
            _graph(
                "API latency (ms)",
                [api.metric("latency", statistic=stat).with_(label=f"Latency {stat}") for stat in ("p50", "p99")],
            ),
        ]

    @staticmethod
    def _function_rows(functions: Mapping[str, str]) -> list[list[cloudwatch.IWidget]]:
        rows = []
        for name, function_name in functions.items():
            rows.append(
                [
                    _graph(f"{name}: errors", [function_metric(function_name, "Errors", statistic="Sum")]),
                    _graph(f"{name}: throttles", [function_metric(function_name, "Throttles", statistic="Sum")]),
                    _graph(
                        f"{name}: duration (ms)",
                        [
                            function_metric(function_name, "Duration", statistic=stat).with_(label=f"Duration {stat}")
                            for stat in ("p50", "p99")
                        ],
                    ),
                ]
            )
        return rows

    @staticmethod
    def _queue_row(status_queue: sqs.Queue, dead_letter_queues: Mapping[str, sqs.Queue]) -> list[cloudwatch.IWidget]:
        return [
            _graph(
                "Status queue: messages waiting",
                [status_queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum")],
            ),
            _graph(
                "Status queue: oldest message (s)",
                [status_queue.metric_approximate_age_of_oldest_message(period=PERIOD, statistic="Maximum")],
            ),
            _graph(
                "Dead-letter queues: depth",
                [
                    queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum", label=name)
                    for name, queue in dead_letter_queues.items()
                ],
            ),
        ]

    @staticmethod
    def _table_row(tables: Mapping[str, dynamodb.Table]) -> list[cloudwatch.IWidget]:
        def per_table(metric_name: str, kind: str = "") -> list[cloudwatch.IMetric]:
            return [
                table.metric(metric_name, period=PERIOD, statistic="Sum", label=f"{name} {kind}".strip())
                for name, table in tables.items()
            ]

        return [
            _graph("DynamoDB: read capacity consumed", per_table("ConsumedReadCapacityUnits")),
            _graph("DynamoDB: write capacity consumed", per_table("ConsumedWriteCapacityUnits")),
            _graph(
                "DynamoDB: throttled reads and writes",
                per_table("ReadThrottleEvents", "reads") + per_table("WriteThrottleEvents", "writes"),
            ),
        ]

    @staticmethod
    def _business_rows(stage: str) -> list[list[cloudwatch.IWidget]]:
        totals = [
            _graph("Orders created", [business_metric(stage, Metric.ORDERS_CREATED)]),
            _graph("Tickets per order", [business_metric(stage, Metric.TICKETS_PER_ORDER, statistic="Average")]),
            _graph(
                "Logins: failures and lockouts",
                [business_metric(stage, Metric.LOGIN_FAILURES), business_metric(stage, Metric.LOGIN_LOCKOUTS)],
            ),
        ]
        breakdowns: list[cloudwatch.IWidget] = [
            _graph(f"{metric.value} by {' and '.join(dimensions)}", [business_breakdown(stage, metric, dimensions)])
            for metric, sets in BREAKDOWNS.items()
            for dimensions in sets
        ]
        return [totals, *(breakdowns[start : start + 3] for start in range(0, len(breakdowns), 3))]


def _graph(title: str, metrics: list[cloudwatch.IMetric]) -> cloudwatch.GraphWidget:
    """A graph a third of the page wide: three to a row."""
    return cloudwatch.GraphWidget(title=title, left=metrics, width=WIDGET_WIDTH, height=WIDGET_HEIGHT)
