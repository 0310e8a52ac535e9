"""One stage of Catalyst on AWS: the Chalice app and everything it runs on.

Chalice packages the app (API, functions, event sources) as a SAM template;
this stack includes it and adds what Chalice cannot make: the tables (read
off the PynamoDB models), the queues with their dead-letter queues, one IAM
role per function with exactly the grants in permissions.py, the signing
key, throttling, log retention, X-Ray tracing, alarms and the dashboard
(dashboard.py). Where the packaged template needs
to point at those resources, it is overridden here, by logical id.

The functions' code is the package `make package` built for the stages'
architecture, with bytecode (infra/package.py): PackagedApp swaps it in for
the zip Chalice makes beside its template, and refuses a package that is
missing or older than the app's code.

The front door is the stage's choice (stages.py): the HTTP API
(http_api.py), in which case the packaged REST API is taken out of the
template, or Chalice's REST API.
"""

import contextlib
import shutil
from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Duration, Environment, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.aws_sam import CfnFunction
from chalice import Chalice as ChaliceApp
from chalice.app import DynamoDBEventConfig, SQSEventConfig
from chalice.cdk import Chalice
from chalice.cli.factory import CLIFactory
from chalice.utils import to_cfn_resource_name
from constructs import Construct

from chalicelib.config import SECRET_ID_VARIABLE, Settings, signing_key_name
from chalicelib.queues import (
    DEAD_LETTER_RETENTION_SECONDS,
    DEAD_LETTER_SUFFIX,
    MAX_RECEIVE_COUNT,
    QUEUES,
    TICKET_STATUS_EVENTS,
    dead_letter_queue,
)
from chalicelib.tables import TABLES
from infra.cdk.dashboard import ApiMetrics, OperationsDashboard, function_metric
from infra.cdk.http_api import DEFAULT_STAGE, HttpApi
from infra.cdk.permissions import (
    API_HANDLER,
    FUNCTIONS,
    QUEUE_SENDS,
    SECRET_READERS,
    STREAM_SOURCES,
    TABLE_ACCESS,
    TRACE_WRITE_ACTIONS,
)
from infra.cdk.stages import HTTP_API, REST_API, StageProfile
from infra.cdk.tables import table_shape
from infra.local.bootstrap import consumer_timeouts, visibility_timeout
from infra.package import deployed_architecture, package_differences, package_path

SIGNING_KEY_LENGTH = 64
REPORT_BATCH_ITEM_FAILURES = ["ReportBatchItemFailures"]
# A stream batch that keeps failing is split to isolate the bad record, retried
# this often, then set aside on the stream's dead-letter queue so the shard
# moves on; the alarm on that queue calls an operator.
STREAM_MAX_RETRY_ATTEMPTS = 10
STREAM_DEAD_LETTERS = "orders-stream"
ALARM_PERIOD = Duration.minutes(5)
# API Gateway's stage, as api_gateway_stage in .chalice/config.json.
API_STAGE = "api"
# What Chalice's template holds for its REST API, taken out when the HTTP API is chosen.
REST_API_RESOURCES = ("RestAPI", "APIHandlerInvokePermission")
REST_API_OUTPUTS = ("RestAPIId", "EndpointURL")
STREAM_READ_ACTIONS = ("dynamodb:DescribeStream", "dynamodb:GetShardIterator", "dynamodb:GetRecords")


class PackageMissing(RuntimeError):
    """No package that may be deployed: none built, or one built before the code changed."""


class PackagedApp(Chalice):
    """Chalice's construct, with the package we deploy as every function's code."""

    def __init__(self, scope: Construct, construct_id: str, *, source_dir: str, **kwargs: Any) -> None:
        project_dir = Path(source_dir)
        # The stage is the scope's name, as Chalice's construct takes it.
        self.package = package_path(deployed_architecture(scope.node.id, project_dir), project_dir)
        if not self.package.exists():
            raise PackageMissing(f"{self.package} is missing: `make package` builds it (make cdk-deploy does)")
        stale = package_differences(self.package, project_dir)
        if stale:
            raise PackageMissing(
                f"{self.package} was built before the last change of {', '.join(stale[:5])}: "
                "`make package` builds it again (make cdk-deploy does)"
            )
        super().__init__(scope, construct_id, source_dir=source_dir, **kwargs)

    def _package_app(self) -> None:
        # Chalice writes the template and a zip of its own; the zip asset is made from that path next.
        super()._package_app()
        shutil.copyfile(self.package, Path(self._sam_package_dir) / "deployment.zip")


class CatalystStack(Stack):
    def __init__(
        self,
        scope: Construct,
        settings: Settings,
        *,
        profile: StageProfile,
        project_dir: Path,
        env: Environment | None = None,
    ) -> None:
        # The construct id is the Chalice stage: Chalice's construct packages
        # the stage its scope is named after.
        stage = settings.stage
        super().__init__(scope, stage, stack_name=f"catalyst-{stage}", description=f"Catalyst, {stage} stage", env=env)
        self.settings = settings
        self.profile = profile
        self.alarm_topic = sns.Topic(self, "Alarms", topic_name=self.settings.resource_name("alarms"))

        self.tables = {name: self._table(name) for name in TABLES}
        timeouts = consumer_timeouts(stage)
        self.visibility_timeouts = {
            queue: visibility_timeout(self.settings.resource_name(queue), timeouts) for queue in QUEUES
        }
        self.queues = self._queues()
        self.signing_key = secretsmanager.Secret(
            self,
            "SigningKey",
            secret_name=signing_key_name(stage),
            description="Signs Catalyst's tokens and cursors",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=SIGNING_KEY_LENGTH, exclude_punctuation=True
            ),
            removal_policy=profile.removal_policy,
        )
        self.roles = {function: self._role(function) for function in FUNCTIONS}
        self.app = self._chalice_app(project_dir)
        # The app's own declarations (routes, event sources), loaded once as Chalice packages it.
        declared = CLIFactory(str(project_dir)).load_chalice_app()
        self._wire_functions()
        self._wire_event_sources(declared)
        api = self._front_door(declared)
        self._alarms(stage, api)
        self.dashboard = OperationsDashboard(
            self,
            "Operations",
            name=self.settings.resource_name("operations"),
            stage=stage,
            api=api,
            functions={name: self.function(name).ref for name in FUNCTIONS},
            status_queue=self.queues[TICKET_STATUS_EVENTS],
            dead_letter_queues={
                name: queue for name, queue in self.queues.items() if name.endswith(DEAD_LETTER_SUFFIX)
            },
            tables=self.tables,
        ).dashboard
        for queue in QUEUES:
            CfnOutput(self, f"{to_cfn_resource_name(queue)}QueueUrl", value=self.queues[queue].queue_url)
        CfnOutput(self, "SigningKeyArn", value=self.signing_key.secret_arn)
        CfnOutput(self, "AlarmTopicArn", value=self.alarm_topic.topic_arn)

    # Data

    def _table(self, name: str) -> dynamodb.Table:
        shape = table_shape(TABLES[name])
        table = dynamodb.Table(
            self,
            f"{to_cfn_resource_name(name)}Table",
            table_name=shape.name,
            partition_key=shape.partition_key,
            sort_key=shape.sort_key,
            billing_mode=shape.billing_mode,
            stream=shape.stream,
            time_to_live_attribute=shape.ttl_attribute,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=self.profile.retain_data,
            removal_policy=self.profile.removal_policy,
        )
        for index in shape.indexes:
            table.add_global_secondary_index(
                index_name=index.index_name,
                partition_key=index.partition_key,
                sort_key=index.sort_key,
                projection_type=index.projection_type,
                non_key_attributes=index.non_key_attributes,
            )
        return table

    def _queues(self) -> dict[str, sqs.Queue]:
        """Every queue and its dead-letter queue, keyed by short name, as bootstrap makes them locally."""
        retention = Duration.seconds(DEAD_LETTER_RETENTION_SECONDS)
        queues: dict[str, sqs.Queue] = {}
        for queue in QUEUES:
            dead_letters = self._dead_letter_queue(dead_letter_queue(queue))
            queues[dead_letter_queue(queue)] = dead_letters
            name = self.settings.resource_name(queue)
            queues[queue] = sqs.Queue(
                self,
                f"{to_cfn_resource_name(queue)}Queue",
                queue_name=name,
                visibility_timeout=Duration.seconds(self.visibility_timeouts[queue]),
                retention_period=retention,
                dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters, max_receive_count=MAX_RECEIVE_COUNT),
                enforce_ssl=True,
            )
        stream_dead_letters = dead_letter_queue(STREAM_DEAD_LETTERS)
        queues[stream_dead_letters] = self._dead_letter_queue(stream_dead_letters)
        return queues

    def _dead_letter_queue(self, name: str) -> sqs.Queue:
        return sqs.Queue(
            self,
            f"{to_cfn_resource_name(name)}Queue",
            queue_name=self.settings.resource_name(name),
            retention_period=Duration.seconds(DEAD_LETTER_RETENTION_SECONDS),
            enforce_ssl=True,
        )

    # Functions

    def _role(self, function: str) -> iam.Role:
        role = iam.Role(
            self,
            f"{function}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Catalyst's {function} function",
        )
        for table_name, actions in TABLE_ACCESS[function].items():
            # Table.grant covers the table and its indexes, and nothing else.
            self.tables[table_name].grant(role, *actions)
        for queue in QUEUE_SENDS[function]:
            self.queues[queue].grant_send_messages(role)
        if function in SECRET_READERS:
            self.signing_key.grant_read(role)
        # X-Ray's write actions have no resource to name (AWS's service authorization reference).
        role.add_to_principal_policy(iam.PolicyStatement(actions=list(TRACE_WRITE_ACTIONS), resources=["*"]))
        return role

    def _chalice_app(self, project_dir: Path) -> PackagedApp:
        # Chalice packages into ./chalice.out; keep that inside the cloud assembly.
        with contextlib.chdir(Path(self.node.root.outdir)):
            return PackagedApp(
                self,
                "App",
                source_dir=str(project_dir),
                stage_config={
                    # Chalice makes no role: every function gets its own below,
                    # which replaces this one (Chalice requires a role to start from).
                    "manage_iam_role": False,
                    "iam_role_arn": self.roles[API_HANDLER].role_arn,
                    "environment_variables": {SECRET_ID_VARIABLE: self.signing_key.secret_arn},
                },
            )

    def function(self, name: str) -> CfnFunction:
        return self.app.get_resource(name)

    def _wire_functions(self) -> None:
        for name in FUNCTIONS:
            function = self.function(name)
            function.add_property_override("Role", self.roles[name].role_arn)
            # A log group per function with the stage's retention, written only by it.
            log_group = logs.LogGroup(
                self,
                f"{name}Logs",
                log_group_name=f"/aws/lambda/{self.settings.resource_name(name)}",
                retention=self.profile.log_retention,
                removal_policy=self.profile.removal_policy,
            )
            log_group.grant_write(self.roles[name])
            function.add_property_override("LoggingConfig", {"LogGroup": log_group.log_group_name})
            # Chalice sets X-Ray only from its own config, and never on the API stage (aws/chalice#1753).
            function.add_property_override("Tracing", "Active")

    def _wire_event_sources(self, declared: ChaliceApp) -> None:
        """Point the packaged event sources at this stack's queues and stream, and
        let handlers report partial batch failures (aws/chalice#2029)."""
        for source in declared.event_sources:
            function_name = to_cfn_resource_name(source.name)
            function = self.function(function_name)
            role = self.roles[function_name]
            if isinstance(source, SQSEventConfig):
                event = f"Events.{to_cfn_resource_name(source.name + '-sqs-event-source')}.Properties"
                queue = self._queue_named(source.queue)
                function.add_property_override(f"{event}.Queue", queue.queue_arn)
                queue.grant_consume_messages(role)
            elif isinstance(source, DynamoDBEventConfig):
                event = f"Events.{to_cfn_resource_name(source.name + '-dynamodb-event-source')}.Properties"
                table = self.tables[STREAM_SOURCES[function_name]]
                dead_letters = self.queues[dead_letter_queue(STREAM_DEAD_LETTERS)]
                # The real stream, not the ORDERS_STREAM_ARN the app saw when packaged.
                function.add_property_override(f"{event}.Stream", table.table_stream_arn)
                function.add_property_override(f"{event}.BisectBatchOnFunctionError", True)
                function.add_property_override(f"{event}.MaximumRetryAttempts", STREAM_MAX_RETRY_ATTEMPTS)
                function.add_property_override(
                    f"{event}.DestinationConfig",
                    {"OnFailure": {"Type": "SQS", "Destination": dead_letters.queue_arn}},
                )
                # dynamodb:ListStreams cannot be scoped to a resource, and the
                # mapping does not need it: only the table's stream is granted.
                role.add_to_principal_policy(
                    iam.PolicyStatement(actions=list(STREAM_READ_ACTIONS), resources=[table.table_stream_arn])
                )
                dead_letters.grant_send_messages(role)
            else:
                raise NotImplementedError(f"no wiring for {type(source).__name__} ({source.name})")
            function.add_property_override(f"{event}.FunctionResponseTypes", REPORT_BATCH_ITEM_FAILURES)

    def _queue_named(self, full_name: str) -> sqs.Queue:
        by_full_name = {self.settings.resource_name(queue): queue for queue in QUEUES}
        return self.queues[by_full_name[full_name]]

    # The edge

    def _front_door(self, declared: ChaliceApp) -> ApiMetrics:
        """The stage's API, throttled, with its EndpointURL; returns its metrics."""
        api_name = self.settings.resource_name("api")
        if self.profile.front_door != HTTP_API:
            self._configure_rest_api(api_name)
            return ApiMetrics(REST_API, {"ApiName": api_name, "Stage": API_STAGE})
        template = self.app.sam_template
        outputs = template.node.find_child("$Outputs").node
        for logical_id in REST_API_RESOURCES:
            template.node.try_remove_child(logical_id)
        for logical_id in REST_API_OUTPUTS:
            outputs.try_remove_child(logical_id)
        http_api = HttpApi(
            self,
            "HttpApi",
            name=api_name,
            app=declared,
            function=self.function(API_HANDLER),
            rate_limit=self.profile.api_rate_limit,
            burst_limit=self.profile.api_burst_limit,
        )
        CfnOutput(self, "EndpointURL", value=http_api.endpoint_url)
        return ApiMetrics(HTTP_API, {"ApiId": http_api.api.ref, "Stage": DEFAULT_STAGE})

    def _configure_rest_api(self, api_name: str) -> None:
        """Chalice's REST API, named for the stage, throttled, and traced by X-Ray (HTTP APIs cannot be)."""
        api = self.app.get_resource("RestAPI")
        api.add_property_override("TracingEnabled", True)
        # Named per stage, so each stage's API Gateway metrics are its own.
        api.add_property_override("Name", api_name)
        api.add_property_override("DefinitionBody.info.title", api_name)
        api.add_property_override(
            "MethodSettings",
            [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": self.profile.api_rate_limit,
                    "ThrottlingBurstLimit": self.profile.api_burst_limit,
                }
            ],
        )

    # Operations

    def _alarms(self, stage: str, api: ApiMetrics) -> None:
        action = cloudwatch_actions.SnsAction(self.alarm_topic)
        dead_letters = {
            dead_letter_queue(queue): "messages that failed for good: python -m infra.cli dlq list" for queue in QUEUES
        }
        dead_letters[dead_letter_queue(STREAM_DEAD_LETTERS)] = (
            "stream batches order_events gave up on; their records stay in the stream for 24 hours"
        )
        # Alarm id: (metric, description, threshold); most fire on any at all.
        alarms = {
            f"{to_cfn_resource_name(name)}Depth": (
                self.queues[name].metric_approximate_number_of_messages_visible(
                    period=ALARM_PERIOD, statistic="Maximum"
                ),
                f"{self.settings.resource_name(name)}: {what}",
                0,
            )
            for name, what in dead_letters.items()
        }
        alarms["Api5xx"] = (
            api.metric("5xx", statistic="Sum", period=ALARM_PERIOD),
            f"{self.settings.resource_name('api')} answered with 5xx",
            0,
        )
        for name in FUNCTIONS:
            for metric_name in ("Errors", "Throttles"):
                alarms[f"{name}{metric_name}"] = (
                    function_metric(self.function(name).ref, metric_name, statistic="Sum", period=ALARM_PERIOD),
                    f"{name} ({stage}): {metric_name.lower()}",
                    0,
                )
        # A report that keeps failing stays at most MAX_RECEIVE_COUNT visibility timeouts before its
        # queue's redrive moves it to the dead-letter queue: one older than that is not being taken.
        status_events = self.queues[TICKET_STATUS_EVENTS]
        alarms["StatusEventsOldestMessageAge"] = (
            status_events.metric_approximate_age_of_oldest_message(period=ALARM_PERIOD, statistic="Maximum"),
            f"{status_events.queue_name}: status reports are not being applied (the oldest is older than "
            "every retry would make it)",
            MAX_RECEIVE_COUNT * self.visibility_timeouts[TICKET_STATUS_EVENTS],
        )
        for alarm_id, (metric, description, threshold) in alarms.items():
            alarm = cloudwatch.Alarm(
                self,
                f"{alarm_id}Alarm",
                metric=metric,
                threshold=threshold,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_description=description,
            )
            alarm.add_alarm_action(action)
