"""Settings read once from the environment at cold start.

Reading environment variables is the only work done here, so importing this
module stays cheap. Outside the `local` stage the service refuses to start
without a real signing secret.
"""

import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from chalicelib.users.permissions import ALL_PERMISSIONS

# The value shipped in .env.example; accepted only by the local stage.
LOCAL_SECRET_KEY = "insecure-local-only-secret-change-me"  # noqa: S105 (a known, refused-outside-local value)
LOCAL_STAGES = frozenset({"local"})
MIN_SECRET_KEY_LENGTH = 32
STAGE_PATTERN = re.compile(r"[a-z][a-z0-9-]{0,20}")
LOG_LEVELS = frozenset({"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"})
# What a new registration may do unless DEFAULT_PERMISSIONS says otherwise: the
# seed's quickstart (register, then create an order) keeps working.
DEFAULT_PERMISSIONS = "orders.add_order"


class ConfigurationError(RuntimeError):
    """The environment does not describe a service that may start."""


@dataclass(frozen=True)
class Settings:
    # A dataclass rather than a pydantic model: building a model class costs
    # about 10 ms at import, a tenth of the cold-start budget.
    stage: str
    secret_key: str
    token_ttl_seconds: int = 24 * 3600
    aws_region: str = "us-east-1"
    log_level: str = "INFO"
    # Set where the stream exists before the app is loaded (by the stack on AWS,
    # by the local runner); only the stream handler's registration reads it.
    orders_stream_arn: str = ""
    default_permissions: frozenset[str] = frozenset({DEFAULT_PERMISSIONS})

    def resource_name(self, name: str) -> str:
        """Every table and queue carries the stage: catalyst-<stage>-<name>."""
        return f"catalyst-{self.stage}-{name}"

    def table_name(self, name: str) -> str:
        return self.resource_name(name)

    def queue_name(self, name: str) -> str:
        return self.resource_name(name)

    def signing_key(self, purpose: str) -> bytes:
        """A key per purpose, so a token of one kind never verifies as another."""
        return hmac.new(self.secret_key.encode(), purpose.encode(), hashlib.sha256).digest()


def _permission_list(environ: Mapping[str, str]) -> frozenset[str]:
    return frozenset(
        name.strip() for name in environ.get("DEFAULT_PERMISSIONS", DEFAULT_PERMISSIONS).split(",") if name.strip()
    )


def _problems(environ: Mapping[str, str]) -> list[str]:
    problems = []
    stage = environ.get("CATALYST_STAGE", "")
    if not STAGE_PATTERN.fullmatch(stage):
        problems.append("CATALYST_STAGE must be set to a stage name such as local, dev or prod")
    secret = environ.get("SECRET_KEY", "")
    if stage not in LOCAL_STAGES and (secret == LOCAL_SECRET_KEY or len(secret) < MIN_SECRET_KEY_LENGTH):
        problems.append(
            f"SECRET_KEY must be a random value of at least {MIN_SECRET_KEY_LENGTH} characters "
            f"(not the example value) outside the local stage"
        )
    ttl = environ.get("TOKEN_TTL_SECONDS", "86400")
    if not (ttl.isascii() and ttl.isdigit()) or int(ttl) <= 0:
        problems.append("TOKEN_TTL_SECONDS must be a positive whole number of seconds")
    unknown = _permission_list(environ) - ALL_PERMISSIONS
    if unknown:
        problems.append(f"DEFAULT_PERMISSIONS names unknown permissions: {', '.join(sorted(unknown))}")
    if environ.get("LOG_LEVEL", "INFO").upper() not in LOG_LEVELS:
        problems.append(f"LOG_LEVEL must be one of {', '.join(sorted(LOG_LEVELS))}")
    return problems


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    problems = _problems(environ)
    if problems:
        raise ConfigurationError("Catalyst cannot start: " + "; ".join(problems))
    return Settings(
        stage=environ["CATALYST_STAGE"],
        secret_key=environ.get("SECRET_KEY") or LOCAL_SECRET_KEY,
        token_ttl_seconds=int(environ.get("TOKEN_TTL_SECONDS", "86400")),
        aws_region=environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        log_level=environ.get("LOG_LEVEL", "INFO").upper(),
        orders_stream_arn=environ.get("ORDERS_STREAM_ARN", ""),
        default_permissions=_permission_list(environ),
    )


settings = load_settings()
