"""What differs between the stages the CDK app deploys.

The app's own settings per stage (CATALYST_STAGE, log level, token lifetime,
CORS origins, function timeouts, architecture) live in .chalice/config.json,
which Chalice packages into the functions; this module holds only what the
cloud resources around them need. `local`, `localstack` and `test` run on a
developer's machine (make run, LocalStack's init hook, the test suite) and
have no stack.
"""

import dataclasses
from dataclasses import dataclass
from typing import Literal

from aws_cdk import RemovalPolicy
from aws_cdk.aws_logs import RetentionDays

# API Gateway's two kinds of API. The HTTP API costs $1.00 per million requests
# against the REST API's $3.50; REST keeps what HTTP APIs lack (X-Ray on the
# stage, usage plans and API keys, request validation, WAF).
HTTP_API, REST_API = "http-api", "rest"
FrontDoor = Literal["http-api", "rest"]
FRONT_DOORS: tuple[FrontDoor, ...] = (HTTP_API, REST_API)


@dataclass(frozen=True)
class StageProfile:
    # API Gateway's stage-wide throttle (steady requests per second, burst);
    # it caps what a runaway client can cost in Lambda and DynamoDB.
    api_rate_limit: float
    api_burst_limit: int
    # Whether tables and the signing secret outlive the stack.
    retain_data: bool
    log_retention: RetentionDays
    front_door: FrontDoor = HTTP_API

    @property
    def removal_policy(self) -> RemovalPolicy:
        return RemovalPolicy.RETAIN if self.retain_data else RemovalPolicy.DESTROY


DEPLOYED_STAGES: dict[str, StageProfile] = {
    "dev": StageProfile(
        api_rate_limit=20, api_burst_limit=40, retain_data=False, log_retention=RetentionDays.TWO_WEEKS
    ),
    "prod": StageProfile(
        api_rate_limit=200, api_burst_limit=400, retain_data=True, log_retention=RetentionDays.THREE_MONTHS
    ),
}
LOCAL_ONLY_STAGES = {
    "local": "runs on the embedded emulator: make run",
    "localstack": "runs against LocalStack: make run-localstack (or cdklocal deploy -c stage=dev)",
    "test": "is the test suite's stage",
}


class StageChoiceError(ValueError):
    pass


def stage_profile(stage: str | None, front_door: str | None = None) -> StageProfile:
    """The stage's profile; `front_door` (the CDK context's, -c front_door=rest) overrides its API's kind."""
    if front_door is not None and front_door not in FRONT_DOORS:
        raise StageChoiceError(f"front_door is one of {', '.join(FRONT_DOORS)} (got {front_door!r})")
    if stage in DEPLOYED_STAGES:
        profile = DEPLOYED_STAGES[stage]
        return profile if front_door is None else dataclasses.replace(profile, front_door=front_door)
    if stage in LOCAL_ONLY_STAGES:
        raise StageChoiceError(f"the {stage} stage {LOCAL_ONLY_STAGES[stage]}; it has no stack")
    known = ", ".join(DEPLOYED_STAGES)
    raise StageChoiceError(f"choose a stage with -c stage=<{known.replace(', ', '|')}> (got {stage!r})")
