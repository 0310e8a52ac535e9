"""API Gateway's HTTP API in front of the API function, the cheaper front door.

Chalice packages a REST API only (aws/chalice#1321). This construct makes
the HTTP API instead: one route per route and method of the app, each sent
to the API function with payload format 1.0, whose event has the REST
shape that Chalice's handler reads (requestContext.resourcePath is the
route's path). Route keys cannot end in a slash: that a request to `/p/`
reaches the route `/p`, as on the REST API, rests on AWS's documentation and
reports, not on a run here (README, "What was and was not run here").

The stage is `$default`, so that paths read as the seed's did (`/api/...`
at the root of the URL) and the metrics carry `Stage=$default`.
"""

import re

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigatewayv2
from aws_cdk import aws_lambda as lambda_
from aws_cdk.aws_sam import CfnFunction
from chalice import Chalice as ChaliceApp
from chalice import CORSConfig
from constructs import Construct

# Chalice's handler reads the REST shape, which HTTP APIs send as version 1.0.
PAYLOAD_FORMAT_VERSION = "1.0"
DEFAULT_STAGE = "$default"
# An HTTP API waits at most 30 s for its integration.
INTEGRATION_TIMEOUT = Duration.seconds(30)


def route_keys(app: ChaliceApp) -> list[str]:
    """Every route and method of the app, as HTTP API route keys ("GET /api/orders/{order_id}")."""
    return sorted(f"{method} {path}" for path, entries in app.routes.items() for method in entries)


def _construct_id(route_key: str) -> str:
    return "Route" + "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", route_key) if part)


def cors_configuration(cors: CORSConfig | bool) -> apigatewayv2.CfnApi.CorsProperty | None:
    """The app's own CORS (Chalice's api.cors), answered by the HTTP API's preflight."""
    if not isinstance(cors, CORSConfig):
        return None
    headers = cors.get_access_control_headers()

    def listed(name: str) -> list[str] | None:
        return headers[name].split(",") if name in headers else None

    return apigatewayv2.CfnApi.CorsProperty(
        allow_origins=[headers["Access-Control-Allow-Origin"]],
        allow_headers=listed("Access-Control-Allow-Headers"),
        allow_methods=["*"],
        expose_headers=listed("Access-Control-Expose-Headers"),
        max_age=int(headers["Access-Control-Max-Age"]) if "Access-Control-Max-Age" in headers else None,
        allow_credentials=headers.get("Access-Control-Allow-Credentials") == "true",
    )


class HttpApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        app: ChaliceApp,
        function: CfnFunction,
        rate_limit: float,
        burst_limit: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.api = apigatewayv2.CfnApi(
            self,
            "Api",
            name=name,
            protocol_type="HTTP",
            cors_configuration=cors_configuration(app.api.cors),
        )
        integration = apigatewayv2.CfnIntegration(
            self,
            "Integration",
            api_id=self.api.ref,
            integration_type="AWS_PROXY",
            integration_uri=function.get_att("Arn").to_string(),
            payload_format_version=PAYLOAD_FORMAT_VERSION,
            timeout_in_millis=int(INTEGRATION_TIMEOUT.to_milliseconds()),
        )
        self.route_keys = route_keys(app)
        ids = [_construct_id(key) for key in self.route_keys]
        if len(set(ids)) != len(ids):
            raise ValueError(f"two routes share a construct id: {sorted(self.route_keys)}")
        for route_key, route_id in zip(self.route_keys, ids, strict=True):
            apigatewayv2.CfnRoute(
                self, route_id, api_id=self.api.ref, route_key=route_key, target=f"integrations/{integration.ref}"
            )
        apigatewayv2.CfnStage(
            self,
            "Stage",
            api_id=self.api.ref,
            stage_name=DEFAULT_STAGE,
            auto_deploy=True,
            default_route_settings=apigatewayv2.CfnStage.RouteSettingsProperty(
                throttling_rate_limit=rate_limit, throttling_burst_limit=burst_limit
            ),
        )
        lambda_.CfnPermission(
            self,
            "Invoke",
            action="lambda:InvokeFunction",
            function_name=function.ref,
            principal="apigateway.amazonaws.com",
            source_arn=Stack.of(self).format_arn(service="execute-api", resource=self.api.ref, resource_name="*/*"),
        )

    @property
    def endpoint_url(self) -> str:
        return f"{self.api.attr_api_endpoint}/"
