import dataclasses
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib import config
from chalicelib.config import ConfigurationError, Settings, load_settings

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
    [None, "", config.LOCAL_SECRET_KEY, "x" * (config.MIN_SECRET_KEY_LENGTH - 1)],
    ids=["missing", "empty", "example-value", "short"],
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


@pytest.mark.parametrize("ttl", ["0", "-5", "soon", "1.5", ""])
def test_invalid_token_ttl_is_refused(ttl: str) -> None:
    with pytest.raises(ConfigurationError, match="TOKEN_TTL_SECONDS"):
        load_settings({"CATALYST_STAGE": "local", "TOKEN_TTL_SECONDS": ttl})


def test_superscript_digit_token_ttl_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="TOKEN_TTL_SECONDS"):
        load_settings({"CATALYST_STAGE": "local", "TOKEN_TTL_SECONDS": "\u00b2"})


def test_unknown_log_level_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="LOG_LEVEL"):
        load_settings({"CATALYST_STAGE": "local", "LOG_LEVEL": "LOUD"})


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_settings({"CATALYST_STAGE": "prod", "TOKEN_TTL_SECONDS": "0", "LOG_LEVEL": "LOUD"})
    message = str(raised.value)
    assert all(name in message for name in ("SECRET_KEY", "TOKEN_TTL_SECONDS", "LOG_LEVEL"))


def test_table_name_is_prefixed_with_stage() -> None:
    settings = load_settings({"CATALYST_STAGE": "prod", "SECRET_KEY": STRONG_KEY})
    assert settings.table_name("orders") == "catalyst-prod-orders"


def test_signing_key_differs_per_purpose() -> None:
    settings = Settings(stage="local", secret_key=config.LOCAL_SECRET_KEY)
    access = settings.signing_key("access-token")
    assert access != settings.signing_key("orders-cursor")
    assert access == settings.signing_key("access-token")
    assert len(access) == 32


def test_signing_key_depends_on_secret_key() -> None:
    first = Settings(stage="prod", secret_key=STRONG_KEY)
    second = Settings(stage="prod", secret_key=secrets.token_urlsafe(36))
    assert first.signing_key("access-token") != second.signing_key("access-token")
    assert STRONG_KEY.encode() not in first.signing_key("access-token")


def test_settings_are_frozen() -> None:
    settings = Settings(stage="local", secret_key=config.LOCAL_SECRET_KEY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.stage = "prod"  # type: ignore[misc]


def _import_app(**overrides: str | None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, "-c", "import app"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_app_refuses_to_start_in_prod_without_secret_key() -> None:
    result = _import_app(CATALYST_STAGE="prod", SECRET_KEY=None)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "ConfigurationError" in result.stderr


def test_app_starts_in_prod_with_a_proper_secret_key() -> None:
    result = _import_app(CATALYST_STAGE="prod", SECRET_KEY=STRONG_KEY)
    assert result.returncode == 0, result.stderr
