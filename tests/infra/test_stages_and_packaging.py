"""Stages as .chalice/config.json and the CDK app state them, and what ships to Lambda."""

import json
import re

import pytest

from infra.cdk.stages import DEPLOYED_STAGES, LOCAL_ONLY_STAGES, StageChoiceError, stage_profile
from tests.infra.conftest import PROJECT_DIR

CONFIG = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())
STATED_BY_DEPLOYED_STAGES = {"CATALYST_STAGE", "LOG_LEVEL", "TOKEN_TTL_SECONDS", "CORS_ALLOWED_ORIGINS"}


def _requirement_names(file_name: str) -> set[str]:
    names = set()
    for line in (PROJECT_DIR / file_name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[\[=<>~!; ]", line, maxsplit=1)[0].lower().replace("_", "-"))
    return names


def test_every_stage_is_in_the_chalice_config_and_known_to_the_cdk_app() -> None:
    assert set(CONFIG["stages"]) == {"local", "localstack", "test", "dev", "prod"}
    assert set(CONFIG["stages"]) == set(DEPLOYED_STAGES) | set(LOCAL_ONLY_STAGES)
    for stage, settings in CONFIG["stages"].items():
        assert settings["environment_variables"]["CATALYST_STAGE"] == stage


@pytest.mark.parametrize("stage", DEPLOYED_STAGES)
def test_deployed_stages_state_their_settings(stage: str) -> None:
    variables = CONFIG["stages"][stage]["environment_variables"]
    assert set(variables) >= STATED_BY_DEPLOYED_STAGES
    assert int(variables["TOKEN_TTL_SECONDS"]) > 0


@pytest.mark.parametrize("stage", [*LOCAL_ONLY_STAGES, None, "staging"])
def test_the_cdk_app_deploys_only_deployed_stages(stage: str | None) -> None:
    with pytest.raises(StageChoiceError):
        stage_profile(stage)


def test_functions_are_built_for_arm64() -> None:
    assert CONFIG["lambda_architecture"] == "arm64"


def test_the_lambda_package_requirements_are_runtime_only() -> None:
    """chalice package ships requirements.txt: no test, dev or infrastructure tool may be in it."""
    runtime = _requirement_names("requirements.txt")
    tools = _requirement_names("requirements-dev.txt") | _requirement_names("requirements-infra.txt")
    assert runtime
    assert not runtime & tools
    assert not runtime & {"chalice", "moto", "pytest", "aws-cdk-lib", "constructs"}
    # The localstack stage's functions find LocalStack through it, also when deployed there with cdklocal.
    assert "localstack-client" in runtime


def test_the_infrastructure_uses_the_developers_chalice() -> None:
    def chalice_pin(file_name: str) -> str:
        (pin,) = re.findall(r"^chalice(?:\[[a-z0-9,]+\])?==(\S+)", (PROJECT_DIR / file_name).read_text(), re.M)
        return pin

    assert chalice_pin("requirements-infra.txt") == chalice_pin("requirements-dev.txt")
