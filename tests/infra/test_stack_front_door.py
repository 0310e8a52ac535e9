"""The stage's front door: the HTTP API by default (its routes are the app's
routes, payload format 1.0, throttled, alarmed, and no REST API beside it),
or Chalice's REST API when the stage chooses it."""

import pytest

from app import app
from chalicelib.web.blueprint import cors_for
from infra.cdk.http_api import DEFAULT_STAGE, PAYLOAD_FORMAT_VERSION, cors_configuration, route_keys
from infra.cdk.stages import DEPLOYED_STAGES, HTTP_API, REST_API, StageChoiceError, stage_profile
from tests.infra.conftest import STAGE, Synthesized

API_NAME = f"catalyst-{STAGE}-api"


def _only(synthesized: Synthesized, resource_type: str) -> tuple[str, dict]:
    ((logical_id, resource),) = synthesized.of_type(resource_type).items()
    return logical_id, resource["Properties"]


def _api_alarms(synthesized: Synthesized) -> list[dict]:
    alarms = [alarm["Properties"] for alarm in synthesized.of_type("AWS::CloudWatch::Alarm").values()]
    return [alarm for alarm in alarms if alarm["Namespace"] == "AWS/ApiGateway"]


def test_deployed_stages_use_the_http_api_unless_told_otherwise() -> None:
    assert {stage: profile.front_door for stage, profile in DEPLOYED_STAGES.items()} == {
        "dev": HTTP_API,
        "prod": HTTP_API,
    }
    assert stage_profile("prod", REST_API).front_door == REST_API
    assert stage_profile("prod", REST_API).api_rate_limit == DEPLOYED_STAGES["prod"].api_rate_limit
    with pytest.raises(StageChoiceError, match="front_door"):
        stage_profile("prod", "graphql")


def test_the_http_api_has_a_route_for_each_route_and_method_of_the_app(synthesized: Synthesized) -> None:
    api_id, api = _only(synthesized, "AWS::ApiGatewayV2::Api")
    integration_id, integration = _only(synthesized, "AWS::ApiGatewayV2::Integration")
    routes = [route["Properties"] for route in synthesized.of_type("AWS::ApiGatewayV2::Route").values()]
    expected = sorted(f"{method} {path}" for path, methods in app.routes.items() for method in methods)
    assert sorted(route["RouteKey"] for route in routes) == expected == route_keys(app)
    assert len(expected) >= 20
    for route in routes:
        assert route["ApiId"] == {"Ref": api_id}
        assert route["Target"] == {"Fn::Join": ["", ["integrations/", {"Ref": integration_id}]]}
        assert not route["RouteKey"].endswith("/"), "HTTP API route keys cannot end in a slash"
    assert (api["Name"], api["ProtocolType"]) == (API_NAME, "HTTP")
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["IntegrationUri"] == {"Fn::GetAtt": ["APIHandler", "Arn"]}
    assert integration["PayloadFormatVersion"] == PAYLOAD_FORMAT_VERSION == "1.0"


def test_the_http_api_stage_is_throttled_and_deploys_itself(synthesized: Synthesized) -> None:
    api_id, _ = _only(synthesized, "AWS::ApiGatewayV2::Api")
    _, stage = _only(synthesized, "AWS::ApiGatewayV2::Stage")
    profile = DEPLOYED_STAGES[STAGE]
    assert stage["ApiId"] == {"Ref": api_id}
    assert (stage["StageName"], stage["AutoDeploy"]) == (DEFAULT_STAGE, True)
    assert stage["DefaultRouteSettings"] == {
        "ThrottlingRateLimit": profile.api_rate_limit,
        "ThrottlingBurstLimit": profile.api_burst_limit,
    }


def test_with_the_http_api_no_rest_api_is_reachable(synthesized: Synthesized) -> None:
    api_id, _ = _only(synthesized, "AWS::ApiGatewayV2::Api")
    rest_types = {"AWS::Serverless::Api", "AWS::ApiGateway::RestApi", "AWS::ApiGateway::Stage"}
    assert not [name for name, resource in synthesized.resources.items() if resource["Type"] in rest_types]
    # Only the HTTP API may invoke the API function.
    (permission,) = [
        resource["Properties"]
        for resource in synthesized.of_type("AWS::Lambda::Permission").values()
        if resource["Properties"]["FunctionName"] == {"Ref": "APIHandler"}
    ]
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert {"Ref": api_id} in permission["SourceArn"]["Fn::Join"][1]
    assert "RestAPIId" not in synthesized.outputs


def test_the_endpoint_url_and_the_5xx_alarm_follow_the_http_api(synthesized: Synthesized) -> None:
    api_id, _ = _only(synthesized, "AWS::ApiGatewayV2::Api")
    assert synthesized.outputs["EndpointURL"]["Value"] == {
        "Fn::Join": ["", [{"Fn::GetAtt": [api_id, "ApiEndpoint"]}, "/"]]
    }
    (alarm,) = _api_alarms(synthesized)
    assert alarm["MetricName"] == "5xx"
    assert sorted(alarm["Dimensions"], key=str) == sorted(
        [{"Name": "ApiId", "Value": {"Ref": api_id}}, {"Name": "Stage", "Value": DEFAULT_STAGE}], key=str
    )


def test_the_rest_choice_keeps_chalices_rest_api_throttled_and_alarmed(synthesized_rest: Synthesized) -> None:
    assert not synthesized_rest.of_type("AWS::ApiGatewayV2::Api")
    assert not synthesized_rest.of_type("AWS::ApiGatewayV2::Route")
    _, api = _only(synthesized_rest, "AWS::Serverless::Api")
    profile = DEPLOYED_STAGES[STAGE]
    assert api["Name"] == API_NAME
    assert api["MethodSettings"] == [
        {
            "ResourcePath": "/*",
            "HttpMethod": "*",
            "ThrottlingRateLimit": profile.api_rate_limit,
            "ThrottlingBurstLimit": profile.api_burst_limit,
        }
    ]
    assert "${RestAPI}.execute-api" in str(synthesized_rest.outputs["EndpointURL"]["Value"])
    (alarm,) = _api_alarms(synthesized_rest)
    assert alarm["MetricName"] == "5XXError"
    assert {"Name": "ApiName", "Value": API_NAME} in alarm["Dimensions"]


def test_xray_traces_the_rest_stage_and_the_http_api_has_none_to_turn_on(
    synthesized: Synthesized, synthesized_rest: Synthesized
) -> None:
    _, api = _only(synthesized_rest, "AWS::Serverless::Api")
    assert api["TracingEnabled"] is True
    # HTTP APIs have no X-Ray: their stage has no such setting, and the functions trace alone.
    _, stage = _only(synthesized, "AWS::ApiGatewayV2::Stage")
    assert "TracingEnabled" not in stage
    assert all(
        function["Properties"]["Tracing"] == "Active"
        for function in synthesized_rest.of_type("AWS::Serverless::Function").values()
    )


def test_the_http_api_answers_preflights_with_the_apps_own_cors() -> None:
    cors = cors_for("https://shop.example.com")
    configuration = cors_configuration(cors)
    assert configuration is not None
    assert configuration.allow_origins == ["https://shop.example.com"]
    assert "Authorization" in configuration.allow_headers
    assert configuration.max_age == 600
    assert cors_configuration(cors_for("")) is None
