"""Settings read once from the environment at cold start.

Reading environment variables is the only work done here, so importing this
module stays cheap. Outside the `local` stage the service refuses to start
without a real signing secret.
"""

import hashlib
import hmac
import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

# The value shipped in .env.example; accepted only by the local stage.
LOCAL_SECRET_KEY = "insecure-local-only-secret-change-me"  # noqa: S105 (a known, refused-outside-local value)
LOCAL_STAGES = frozenset({"local"})
MIN_SECRET_KEY_LENGTH = 32


class ConfigurationError(RuntimeError):
    """The environment does not describe a service that may start."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    stage: str = Field(pattern=r"^[a-z][a-z0-9-]{0,20}$")
    secret_key: str = LOCAL_SECRET_KEY
    token_ttl_seconds: int = Field(default=24 * 3600, gt=0)
    aws_region: str = "us-east-1"
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _real_secret_outside_local(self) -> "Settings":
        if self.stage in LOCAL_STAGES:
            return self
        if self.secret_key == LOCAL_SECRET_KEY or len(self.secret_key) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(
                f"stage {self.stage!r} needs SECRET_KEY set to a random value of at least "
                f"{MIN_SECRET_KEY_LENGTH} characters (not the example value)"
            )
        return self

    def table_name(self, name: str) -> str:
        return f"catalyst-{self.stage}-{name}"

    def signing_key(self, purpose: str) -> bytes:
        """A key per purpose, so a token of one kind never verifies as another."""
        return hmac.new(self.secret_key.encode(), purpose.encode(), hashlib.sha256).digest()


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    raw = {
        "stage": environ.get("CATALYST_STAGE"),
        "secret_key": environ.get("SECRET_KEY") or None,
        "token_ttl_seconds": environ.get("TOKEN_TTL_SECONDS"),
        "aws_region": environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION"),
        "log_level": environ.get("LOG_LEVEL"),
    }
    try:
        return Settings.model_validate({key: value for key, value in raw.items() if value is not None})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors())
        raise ConfigurationError(f"Catalyst cannot start: {problems}") from None


settings = load_settings()
