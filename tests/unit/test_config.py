"""Settings from the environment: the stage, the signing secret (SECRET_KEY or
a Secrets Manager secret fetched on first use), LocalStack's endpoint, the one
CORS origin, and the app refusing to start without a proper secret."""

import dataclasses
import hashlib
import hmac
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from chalicelib import config
from chalicelib.config import ConfigurationError, Settings
from chalicelib.runtime import load_settings
from tests.unit.conftest import Api, Reconfigure

REPO_ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = secrets.token_urlsafe(36)


def test_strong_key_fixture_is_48_characters() -> None:
    assert len(STRONG_KEY) == 48


def test_stage_is_required() -> None:
    with pytest.raises(ConfigurationError, match="CATALYST_STAGE"):
        load_settings({"SECRET_KEY": STRONG_KEY})


@pytest.mark.parametrize("stage", ["Prod", "1dev", "dev stage", ""])
def test_malformed_stage_is_refused(stage: str) -> None:
    with pytest.raises(ConfigurationError, match="CATALYST_STAGE"):
        load_settings({"CATALYST_STAGE": stage, "SECRET_KEY": STRONG_KEY})


def test_local_stage_starts_without_secret_key() -> None:
    settings = load_settings({"CATALYST_STAGE": "local"})
    assert settings.stage == "local"
    assert settings.secret_key == config.LOCAL_SECRET_KEY


@pytest.mark.parametrize("stage", ["prod", "dev"])
@pytest.mark.parametrize(
    "secret_key",
    [
        None,
        "",
        config.LOCAL_SECRET_KEY,
        "x" * (config.MIN_SECRET_KEY_LENGTH - 1),
        "a" * 32,
        " " * 32,
        "abcd" * 8,
        config.LOCAL_SECRET_KEY + "-but-longer-now",
        "prefix-" + config.LOCAL_SECRET_KEY,
    ],
    ids=["missing", "empty", "example-value", "short", "one-letter", "spaces", "pattern", "example+", "+example"],
)
def test_deployed_stage_refuses_weak_secret_key(stage: str, secret_key: str | None) -> None:
    environ = {"CATALYST_STAGE": stage}
    if secret_key is not None:
        environ["SECRET_KEY"] = secret_key
    with pytest.raises(ConfigurationError, match="SECRET_KEY") as raised:
        load_settings(environ)
    if secret_key:
        assert secret_key not in str(raised.value)


@pytest.mark.parametrize("stage", ["prod", "dev"])
def test_deployed_stage_accepts_random_48_character_key(stage: str) -> None:
    settings = load_settings({"CATALYST_STAGE": stage, "SECRET_KEY": STRONG_KEY})
    assert settings.stage == stage
    assert settings.secret_key == STRONG_KEY


def test_optional_settings_are_read_from_the_environment() -> None:
    settings = load_settings(
        {
            "CATALYST_STAGE": "local",
            "TOKEN_TTL_SECONDS": "600",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "LOG_LEVEL": "debug",
        }
    )
    assert (settings.token_ttl_seconds, settings.aws_region, settings.log_level) == (600, "eu-west-1", "DEBUG")


def test_aws_region_wins_over_default_region() -> None:
    settings = load_settings({"CATALYST_STAGE": "local", "AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "eu-west-1"})
    assert settings.aws_region == "ap-south-1"


@pytest.mark.parametrize("ttl", ["0", "-5", "soon", "1.5", "", "315360000000", "31536001", "9" * 5000])
def test_invalid_token_ttl_is_refused(ttl: str) -> None:
    with pytest.raises(ConfigurationError, match="TOKEN_TTL_SECONDS"):
        load_settings({"CATALYST_STAGE": "local", "TOKEN_TTL_SECONDS": ttl})


def test_the_longest_token_ttl_issues_tokens_that_verify(reconfigure: Reconfigure) -> None:
    from chalicelib.users import tokens

    longest = load_settings({"CATALYST_STAGE": "local", "TOKEN_TTL_SECONDS": "31536000"})
    reconfigure(token_ttl_seconds=longest.token_ttl_seconds)
    claims = tokens.token_decode(tokens.token_issue(user_id="u", email="a@example.com", token_version=1))
    assert claims.user_id == "u"


def test_superscript_digit_token_ttl_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="TOKEN_TTL_SECONDS"):
        load_settings({"CATALYST_STAGE": "local", "TOKEN_TTL_SECONDS": "\u00b2"})


def test_unknown_log_level_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="LOG_LEVEL"):
        load_settings({"CATALYST_STAGE": "local", "LOG_LEVEL": "LOUD"})


@pytest.mark.parametrize(
    ("environment", "tracing"),
    [
        ({}, False),  # make run, the tests, the operator's commands: never
        ({"LAMBDA_TASK_ROOT": "/var/task"}, True),  # Lambda's runtime
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "0"}, True),
    ],
)
def test_tracing_is_on_in_lambdas_runtime_unless_powertools_is_told_otherwise(
    environment: dict[str, str], tracing: bool
) -> None:
    assert load_settings({"CATALYST_STAGE": "local", **environment}).tracing is tracing


def test_a_trace_switch_that_is_no_truth_value_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="POWERTOOLS_TRACE_DISABLED must be true or false"):
        load_settings({"CATALYST_STAGE": "local", "POWERTOOLS_TRACE_DISABLED": "nope"})


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_settings({"CATALYST_STAGE": "prod", "TOKEN_TTL_SECONDS": "0", "LOG_LEVEL": "LOUD"})
    message = str(raised.value)
    assert all(name in message for name in ("SECRET_KEY", "TOKEN_TTL_SECONDS", "LOG_LEVEL"))


def test_table_name_is_prefixed_with_stage() -> None:
    settings = load_settings({"CATALYST_STAGE": "prod", "SECRET_KEY": STRONG_KEY})
    assert settings.resource_name("orders") == "catalyst-prod-orders"


def test_signing_key_differs_per_purpose() -> None:
    settings = Settings(stage="local", secret_key_value=config.LOCAL_SECRET_KEY)
    access = settings.signing_key("access-token")
    assert access != settings.signing_key("orders-cursor")
    assert access == settings.signing_key("access-token")
    assert len(access) == 32


def test_signing_key_depends_on_secret_key() -> None:
    first = Settings(stage="prod", secret_key_value=STRONG_KEY)
    second = Settings(stage="prod", secret_key_value=secrets.token_urlsafe(36))
    assert first.signing_key("access-token") != second.signing_key("access-token")
    assert STRONG_KEY.encode() not in first.signing_key("access-token")


def test_settings_are_frozen() -> None:
    settings = Settings(stage="local", secret_key_value=config.LOCAL_SECRET_KEY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.stage = "prod"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.secret_key_value = STRONG_KEY  # type: ignore[misc]


def test_app_refuses_to_start_in_prod_without_secret_key() -> None:
    result = _run_python("import app", CATALYST_STAGE="prod", SECRET_KEY=None)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "ConfigurationError" in result.stderr


def test_app_starts_in_prod_with_a_proper_secret_key() -> None:
    result = _run_python("import app", CATALYST_STAGE="prod", SECRET_KEY=STRONG_KEY)
    assert result.returncode == 0, result.stderr


# The signing secret: SECRET_KEY, or a Secrets Manager secret fetched on first use

SECRET_ID = "catalyst/prod/secret-key"
SECRET = secrets.token_urlsafe(36)


def test_the_local_stages() -> None:
    assert frozenset({"local", "localstack"}) == config.LOCAL_STAGES


@pytest.mark.parametrize("stage", sorted(config.LOCAL_STAGES))
def test_local_stages_start_with_the_example_key(stage: str) -> None:
    settings = load_settings({"CATALYST_STAGE": stage})
    assert (settings.secret_key_value, settings.secret_key_secret_id) == ("", "")
    assert settings.secret_key == config.LOCAL_SECRET_KEY


def test_secret_key_is_secret_key_value_when_set() -> None:
    assert Settings(stage="prod", secret_key_value=STRONG_KEY).secret_key == STRONG_KEY


def test_secret_key_is_the_example_key_without_a_value_or_a_secret_id() -> None:
    assert Settings(stage="local").secret_key == config.LOCAL_SECRET_KEY


@pytest.mark.parametrize("stage", ["prod", "dev"])
def test_deployed_stage_starts_with_a_secret_id_alone(stage: str) -> None:
    settings = load_settings({"CATALYST_STAGE": stage, "SECRET_KEY_SECRET_ID": SECRET_ID})
    assert (settings.secret_key_value, settings.secret_key_secret_id) == ("", SECRET_ID)


@pytest.mark.parametrize("stage", ["prod", "dev"])
def test_deployed_stage_without_either_names_both_ways(stage: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_settings({"CATALYST_STAGE": stage})
    assert "SECRET_KEY " in str(raised.value)
    assert "SECRET_KEY_SECRET_ID" in str(raised.value)


@pytest.mark.parametrize(
    "secret_key",
    [config.LOCAL_SECRET_KEY, "x" * (config.MIN_SECRET_KEY_LENGTH - 1)],
    ids=["example-value", "short"],
)
def test_a_weak_secret_key_is_refused_even_with_a_secret_id(secret_key: str) -> None:
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        load_settings({"CATALYST_STAGE": "prod", "SECRET_KEY": secret_key, "SECRET_KEY_SECRET_ID": SECRET_ID})


class AwsCalls:
    """Every AWS API call made through botocore, as (service, operation)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, str]] = []
        make_api_call = BaseClient._make_api_call

        def recorded(client: BaseClient, operation: str, params: dict) -> dict:
            self.calls.append((client.meta.service_model.service_name, operation))
            return make_api_call(client, operation, params)

        monkeypatch.setattr(BaseClient, "_make_api_call", recorded)

    @property
    def secret_fetches(self) -> int:
        return self.calls.count(("secretsmanager", "GetSecretValue"))


@pytest.fixture
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> AwsCalls:
    return AwsCalls(monkeypatch)


def create_secret(value: str = SECRET, name: str = SECRET_ID, region: str = "us-east-1") -> None:
    boto3.client("secretsmanager", region_name=region).create_secret(Name=name, SecretString=value)


def secret_settings(**environ: str) -> Settings:
    return load_settings({"CATALYST_STAGE": "prod", "SECRET_KEY_SECRET_ID": SECRET_ID, **environ})


def test_secret_key_comes_from_secrets_manager(aws: None, aws_calls: AwsCalls) -> None:
    create_secret()
    settings = secret_settings()
    assert settings.secret_key == SECRET
    assert aws_calls.secret_fetches == 1
    expected = hmac.new(SECRET.encode(), b"access-token", hashlib.sha256).digest()
    assert settings.signing_key("access-token") == expected


def test_the_secret_is_fetched_once_and_cached(aws: None, aws_calls: AwsCalls) -> None:
    create_secret()
    settings = secret_settings()
    first = settings.secret_key
    boto3.client("secretsmanager").put_secret_value(SecretId=SECRET_ID, SecretString=secrets.token_urlsafe(36))

    assert [settings.secret_key, settings.secret_key] == [first, first]
    settings.signing_key("access-token")
    settings.signing_key("orders-cursor")

    assert aws_calls.secret_fetches == 1
    assert secret_settings().secret_key != first  # a new cold start reads the rotated value


def test_nothing_is_fetched_at_load_time(aws: None, aws_calls: AwsCalls) -> None:
    # No secret exists: loading still succeeds, since nothing is read until first use.
    settings = secret_settings()
    assert aws_calls.calls == []
    assert "secret_key" not in vars(settings)

    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        _ = settings.secret_key
    assert aws_calls.secret_fetches == 1


def test_a_failed_fetch_is_not_cached(aws: None, aws_calls: AwsCalls) -> None:
    settings = secret_settings()
    with pytest.raises(ClientError):
        _ = settings.secret_key
    create_secret()
    assert settings.secret_key == SECRET
    assert aws_calls.secret_fetches == 2


@pytest.mark.parametrize(
    "short",
    [" ", "short-secret-value", secrets.token_hex(16)[: config.MIN_SECRET_KEY_LENGTH - 1]],
    ids=["blank", "short", "one-too-short"],
)
def test_a_short_secret_is_a_configuration_error(aws: None, short: str) -> None:
    create_secret(value=short)
    settings = secret_settings()
    with pytest.raises(ConfigurationError) as raised:
        _ = settings.secret_key
    message = str(raised.value)
    assert SECRET_ID in message
    assert str(config.MIN_SECRET_KEY_LENGTH) in message
    if short.strip():
        assert short not in message
    with pytest.raises(ConfigurationError):  # refused again, not cached as a key
        _ = settings.secret_key


def test_a_low_entropy_secret_is_a_configuration_error(aws: None) -> None:
    create_secret(value="0" * 64)
    with pytest.raises(ConfigurationError, match="entropy"):
        _ = secret_settings().secret_key


def test_a_secret_of_exactly_the_minimum_length_is_accepted(aws: None) -> None:
    value = secrets.token_hex(config.MIN_SECRET_KEY_LENGTH // 2)
    assert len(value) == config.MIN_SECRET_KEY_LENGTH
    create_secret(value=value)
    assert secret_settings().secret_key == value


def test_the_secret_is_read_in_the_settings_region(aws: None) -> None:
    create_secret(value=SECRET, region="eu-west-1")
    create_secret(value=secrets.token_urlsafe(36), region="us-east-1")
    assert secret_settings(AWS_REGION="eu-west-1").secret_key == SECRET


def test_secret_key_wins_over_a_secret_id_and_nothing_is_fetched(aws: None, aws_calls: AwsCalls) -> None:
    create_secret()
    settings = secret_settings(SECRET_KEY=STRONG_KEY)
    assert settings.secret_key == STRONG_KEY
    assert aws_calls.secret_fetches == 0


# The localstack stage finds LocalStack through localstack-client


@pytest.fixture
def no_endpoint_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("AWS_ENDPOINT_URL", "LOCALSTACK_HOST", "USE_SSL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    ("localstack_host", "expected"),
    [
        ("localstack.internal:4566", "http://localstack.internal:4566"),
        ("localstack:4599", "http://localstack:4599"),
        ("localstack", "http://localstack:4566"),
    ],
)
def test_localstack_endpoint_from_localstack_host(
    no_endpoint_env: pytest.MonkeyPatch, localstack_host: str, expected: str
) -> None:
    no_endpoint_env.setenv("LOCALSTACK_HOST", localstack_host)
    assert load_settings({"CATALYST_STAGE": "localstack"}).aws_endpoint_url == expected


def test_localstack_endpoint_from_aws_endpoint_url(no_endpoint_env: pytest.MonkeyPatch) -> None:
    no_endpoint_env.setenv("LOCALSTACK_HOST", "ignored.internal:4566")
    no_endpoint_env.setenv("AWS_ENDPOINT_URL", "http://edge.internal:4566")
    assert load_settings({"CATALYST_STAGE": "localstack"}).aws_endpoint_url == "http://edge.internal:4566"


def test_localstack_endpoint_defaults_to_localhost(no_endpoint_env: pytest.MonkeyPatch) -> None:
    assert load_settings({"CATALYST_STAGE": "localstack"}).aws_endpoint_url == "http://localhost:4566"


@pytest.mark.parametrize("stage", ["local", "test", "dev"])
def test_other_stages_leave_the_endpoint_to_botocore(no_endpoint_env: pytest.MonkeyPatch, stage: str) -> None:
    no_endpoint_env.setenv("AWS_ENDPOINT_URL", "http://edge.internal:4566")
    no_endpoint_env.setenv("LOCALSTACK_HOST", "localstack.internal:4566")
    environ = {"CATALYST_STAGE": stage, "SECRET_KEY": STRONG_KEY}
    assert load_settings(environ).aws_endpoint_url is None


def test_the_localstack_endpoint_is_found_once(no_endpoint_env: pytest.MonkeyPatch) -> None:
    no_endpoint_env.setenv("LOCALSTACK_HOST", "first.internal:4566")
    settings = load_settings({"CATALYST_STAGE": "localstack"})
    assert settings.aws_endpoint_url == "http://first.internal:4566"
    no_endpoint_env.setenv("LOCALSTACK_HOST", "second.internal:4566")
    assert settings.aws_endpoint_url == "http://first.internal:4566"


# CORS_ALLOWED_ORIGINS


def test_no_cors_origin_by_default() -> None:
    assert load_settings({"CATALYST_STAGE": "local"}).cors_allowed_origin == ""


@pytest.mark.parametrize("raw", ["https://shop.example.com", "  https://shop.example.com  "])
def test_one_cors_origin_is_read(raw: str) -> None:
    settings = load_settings({"CATALYST_STAGE": "local", "CORS_ALLOWED_ORIGINS": raw})
    assert settings.cors_allowed_origin == "https://shop.example.com"


@pytest.mark.parametrize(("raw", "required"), [(None, False), ("false", False), ("true", True), (" TRUE ", True)])
def test_signed_status_reports_are_required_only_when_said(raw: str | None, required: bool) -> None:
    environ = {"CATALYST_STAGE": "local", **({"STATUS_REPORTS_REQUIRE_SIGNATURE": raw} if raw is not None else {})}
    assert load_settings(environ).status_reports_require_signature is required


@pytest.mark.parametrize("raw", ["yes", "1", "", "ture"])
def test_a_switch_that_is_neither_true_nor_false_is_refused(raw: str) -> None:
    with pytest.raises(ConfigurationError, match="STATUS_REPORTS_REQUIRE_SIGNATURE must be true or false"):
        load_settings({"CATALYST_STAGE": "local", "STATUS_REPORTS_REQUIRE_SIGNATURE": raw})


@pytest.mark.parametrize("raw", ["https://a.example.com,https://b.example.com", "https://a.example.com, http://b"])
def test_more_than_one_cors_origin_is_refused(raw: str) -> None:
    with pytest.raises(ConfigurationError, match="CORS_ALLOWED_ORIGINS takes at most one origin"):
        load_settings({"CATALYST_STAGE": "local", "CORS_ALLOWED_ORIGINS": raw})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://shop.example.com,", "https://shop.example.com"),
        (" , https://shop.example.com", "https://shop.example.com"),
        ("https://shop.example.com , ,", "https://shop.example.com"),
        (",", ""),
        (" , ", ""),
    ],
    ids=["trailing-comma", "leading-comma", "spaces-and-commas", "comma-only", "blank-entries"],
)
def test_the_stored_cors_origin_is_the_one_validated(raw: str, expected: str) -> None:
    # Empty entries are ignored when counting origins, and so when storing the one origin.
    settings = load_settings({"CATALYST_STAGE": "local", "CORS_ALLOWED_ORIGINS": raw})
    assert settings.cors_allowed_origin == expected


def test_without_a_cors_origin_responses_carry_no_cors_headers(api: Api) -> None:
    for response in (
        api.get("/api/health/"),
        api.get("/api/orders/"),
        api.post("/api/users/login/", {"email": "x@example.com", "password": "wrong password"}),
    ):
        assert not [name for name in response.headers if name.lower().startswith("access-control-")]


# A fresh process: what importing the app does with the environment

# Prepended to the code a child process runs: any attempt to open a
# connection or resolve a name fails loudly.
NO_NETWORK = """
import socket

def _no_network(*args, **kwargs):
    raise OSError("network access attempted")

socket.socket.connect = _no_network
socket.socket.connect_ex = _no_network
socket.create_connection = _no_network
socket.getaddrinfo = _no_network
"""


def _run_python(code: str, **overrides: str | None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    for name in ("AWS_ENDPOINT_URL", "LOCALSTACK_HOST", "CORS_ALLOWED_ORIGINS", "SECRET_KEY_SECRET_ID"):
        env.pop(name, None)
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, "-c", NO_NETWORK + code],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _last_line_json(result: subprocess.CompletedProcess[str]) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_child_process_guard_refuses_network_access() -> None:
    code = "import boto3\nboto3.client('secretsmanager').get_secret_value(SecretId='x')"
    result = _run_python(code, AWS_MAX_ATTEMPTS="1")
    assert result.returncode != 0
    assert "network access attempted" in result.stderr


def test_app_starts_in_prod_with_a_secret_id_and_no_network() -> None:
    code = """
import json
import app
from chalicelib.config import settings as installed_settings
settings = installed_settings()
print(json.dumps({"stage": settings.stage, "secret_id": settings.secret_key_secret_id,
                  "fetched": "secret_key" in vars(settings), "routes": len(app.app.routes)}))
"""
    result = _run_python(code, CATALYST_STAGE="prod", SECRET_KEY=None, SECRET_KEY_SECRET_ID=SECRET_ID)
    started = _last_line_json(result)
    assert started.pop("routes") > 10
    assert started == {"stage": "prod", "secret_id": SECRET_ID, "fetched": False}


def test_app_refuses_to_start_in_prod_without_a_secret_key_or_a_secret_id() -> None:
    result = _run_python("import app", CATALYST_STAGE="prod", SECRET_KEY=None, SECRET_KEY_SECRET_ID=None)
    assert result.returncode != 0
    assert "ConfigurationError" in result.stderr
    assert "SECRET_KEY_SECRET_ID" in result.stderr


def test_app_refuses_to_start_in_prod_with_a_weak_secret_key_and_a_secret_id() -> None:
    result = _run_python(
        "import app", CATALYST_STAGE="prod", SECRET_KEY=config.LOCAL_SECRET_KEY, SECRET_KEY_SECRET_ID=SECRET_ID
    )
    assert result.returncode != 0
    assert "ConfigurationError" in result.stderr
    assert config.LOCAL_SECRET_KEY not in result.stderr


def test_app_refuses_to_start_with_two_cors_origins() -> None:
    result = _run_python("import app", CORS_ALLOWED_ORIGINS="https://a.example.com,https://b.example.com")
    assert result.returncode != 0
    assert "CORS_ALLOWED_ORIGINS takes at most one origin" in result.stderr


def test_the_localstack_stage_points_every_client_at_localstack() -> None:
    code = """
import json
import app
from chalicelib.orders.models import OrderRecord
from chalicelib.queues import sqs_client
from chalicelib.storage import _transaction_connection
from chalicelib.users.models import UserRecord
print(json.dumps({
    "orders": OrderRecord._get_connection().connection.client.meta.endpoint_url,
    "users": UserRecord._get_connection().connection.client.meta.endpoint_url,
    "transactions": _transaction_connection().client.meta.endpoint_url,
    "sqs": sqs_client().meta.endpoint_url,
}))
"""
    result = _run_python(code, CATALYST_STAGE="localstack", LOCALSTACK_HOST="localstack.internal:4566")
    endpoints = _last_line_json(result)
    assert endpoints == dict.fromkeys(endpoints, "http://localstack.internal:4566")
    assert set(endpoints) == {"orders", "users", "transactions", "sqs"}


def test_the_localstack_stage_honours_aws_endpoint_url_for_every_client() -> None:
    code = """
import json
from chalicelib.orders.models import OrderRecord
from chalicelib.queues import sqs_client
from chalicelib.runtime import configure, load_settings
from chalicelib.storage import _transaction_connection
configure(load_settings())
print(json.dumps([
    OrderRecord._get_connection().connection.client.meta.endpoint_url,
    _transaction_connection().client.meta.endpoint_url,
    sqs_client().meta.endpoint_url,
]))
"""
    result = _run_python(
        code, CATALYST_STAGE="localstack", AWS_ENDPOINT_URL="http://edge.internal:4566", LOCALSTACK_HOST="other:1"
    )
    assert _last_line_json(result) == ["http://edge.internal:4566"] * 3


CORS_PROBE = """
import json
from chalice.config import Config
from chalice.local import LocalGateway
from chalice.test import Client
from moto import mock_aws

from app import app
from infra.local.bootstrap import create_tables

CORS = "access-control-"
found = {}
with mock_aws():
    create_tables()
    with Client(app) as client:
        json_headers = {"Content-Type": "application/json", "Origin": ORIGIN}
        body = json.dumps({"email": "cors@example.com", "password": "correct horse battery"})
        answers = {
            "health": client.http.get("/api/health/", headers={"Origin": ORIGIN}),
            "register": client.http.post("/api/users/register/", headers=json_headers, body=body),
            "unauthenticated": client.http.get("/api/orders/", headers={"Origin": ORIGIN}),
            "admin": client.http.get("/api/admin/me", headers={"Origin": ORIGIN}),
            "bad-content-type": client.http.post(
                "/api/users/login/", headers={"Origin": ORIGIN, "Content-Type": "text/plain"}, body="x"
            ),
        }
        for name, response in answers.items():
            found[name] = {
                "status": response.status_code,
                "cors": {k.lower(): v for k, v in response.headers.items() if k.lower().startswith(CORS)},
            }
    # The test client cannot carry a preflight's empty body; the local gateway answers it as API Gateway would.
    preflight = LocalGateway(app, Config()).handle_request(
        method="OPTIONS",
        path="/api/orders/create/",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
        body=b"",
    )
    found["preflight"] = {
        "status": preflight["statusCode"],
        "cors": {k.lower(): v for k, v in preflight["headers"].items() if k.lower().startswith(CORS)},
    }
print(json.dumps(found))
"""


@pytest.mark.parametrize("raw", ["https://shop.example.com", " https://shop.example.com, "], ids=["plain", "comma"])
def test_with_a_cors_origin_the_routes_answer_with_it(raw: str) -> None:
    origin = "https://shop.example.com"
    result = _run_python(f"ORIGIN = {origin!r}\n{CORS_PROBE}", CORS_ALLOWED_ORIGINS=raw)
    found = _last_line_json(result)

    assert {name: answer["status"] for name, answer in found.items()} == {
        "health": 200,
        "register": 201,
        "unauthenticated": 401,
        "admin": 401,
        "bad-content-type": 415,
        "preflight": 200,
    }
    for name, answer in found.items():
        assert answer["cors"]["access-control-allow-origin"] == origin, name
        assert "authorization" in answer["cors"]["access-control-allow-headers"].lower(), name
        assert answer["cors"]["access-control-max-age"] == "600", name
    assert "POST" in found["preflight"]["cors"]["access-control-allow-methods"]
