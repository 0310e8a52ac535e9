"""The settings: what an environment may say, checked all at once, and the
settings the process runs with.

Nothing here runs at import. An entry point builds the settings once
(chalicelib.runtime.load_settings) and installs them (runtime.configure);
the rest of the app reads them through `settings()`. Outside the local stages
the service refuses to start without a real signing secret: either
SECRET_KEY, or (on AWS) the id of a Secrets Manager secret,
SECRET_KEY_SECRET_ID, fetched once on first use.
"""

import hashlib
import hmac
import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

# The value shipped in .env.example; accepted only by the local stages.
LOCAL_SECRET_KEY = "insecure-local-only-secret-change-me"  # noqa: S105 (a known, refused-outside-local value)
# Stages that run on a developer's machine: the embedded emulator, LocalStack.
LOCAL_STAGES = frozenset({"local", "localstack"})
# Where a deployed stage's functions find its signing key, read at first use:
# the key itself is never in their environment nor in the template.
SECRET_ID_VARIABLE = "SECRET_KEY_SECRET_ID"  # noqa: S105 (a variable name, not a secret)
MIN_SECRET_KEY_LENGTH = 32
# A key's entropy, estimated from its own characters (their Shannon entropy
# times the length): 32 random hex digits score 90 or more, the same character
# repeated 0, a four-character pattern repeated to 32 characters 64.
MIN_SECRET_KEY_BITS = 80
STAGE_PATTERN = re.compile(r"[a-z][a-z0-9-]{0,20}")
LOG_LEVELS = frozenset({"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"})
# What a new registration may do unless DEFAULT_PERMISSIONS says otherwise: the
# seed's quickstart (register, then create an order) keeps working.
DEFAULT_PERMISSIONS = "orders.add_order"
DEFAULT_TOKEN_TTL_SECONDS = 24 * 3600
# Every numeric setting has bounds, checked at startup: (default, minimum, maximum).
# A token lives at most a year; past datetime's range, issuing one would fail.
NUMERIC_SETTINGS = {"TOKEN_TTL_SECONDS": (DEFAULT_TOKEN_TTL_SECONDS, 1, 365 * 24 * 3600)}
# Switches take "true" or "false" (any case), and nothing else: a typo must not silently mean "off".
BOOLEAN_SETTINGS = {"STATUS_REPORTS_REQUIRE_SIGNATURE": False, "LEGACY_TOKENS_ENABLED": True}
BOOLEAN_VALUES = {"true": True, "false": False}
# Powertools' switch for its Tracer, which Catalyst reads by Powertools' rule (its truth values).
TRACE_DISABLED_VARIABLE = "POWERTOOLS_TRACE_DISABLED"


class ConfigurationError(RuntimeError):
    """The environment does not describe a service that may start."""


@dataclass(frozen=True)
class Settings:
    # A dataclass rather than a pydantic model: building a model class costs
    # about 10 ms at import, a tenth of the cold-start budget.
    stage: str
    secret_key_value: str = ""
    secret_key_secret_id: str = ""
    token_ttl_seconds: int = DEFAULT_TOKEN_TTL_SECONDS
    aws_region: str = "us-east-1"
    log_level: str = "INFO"
    # Set where the stream exists before the app is loaded (by the stack on AWS,
    # by the local runner); only the stream handler's registration reads it.
    orders_stream_arn: str = ""
    default_permissions: frozenset[str] = frozenset({DEFAULT_PERMISSIONS})
    # One origin allowed to call the API from a browser, or none.
    cors_allowed_origin: str = ""
    # When true, an unsigned status report over HTTP is refused (401); false keeps the seed's public call.
    status_reports_require_signature: bool = False
    # When true, the seed's DRF tokens (imported with its users) still authenticate; a stage
    # turns them off once its clients have moved to Catalyst's own tokens.
    legacy_tokens_enabled: bool = True
    # X-Ray, on Lambda only (observability.start_tracing).
    tracing: bool = False

    @cached_property
    def secret_key(self) -> str:
        """Fetched on first use, not at import: importing the app does no network I/O."""
        if self.secret_key_value:
            return self.secret_key_value
        if self.secret_key_secret_id:
            return _secret_from_secrets_manager(self.secret_key_secret_id, self.aws_region)
        return LOCAL_SECRET_KEY

    @cached_property
    def aws_endpoint_url(self) -> str | None:
        """Where the clients go: for the localstack stage, LocalStack as
        localstack-client finds it (AWS_ENDPOINT_URL, else LOCALSTACK_HOST);
        otherwise None, and botocore reads AWS_ENDPOINT_URL itself."""
        if self.stage != "localstack":
            return None
        from localstack_client.config import get_service_endpoint

        return get_service_endpoint("dynamodb")

    def resource_name(self, name: str) -> str:
        """Every table and queue carries the stage: catalyst-<stage>-<name>."""
        return f"catalyst-{self.stage}-{name}"

    def signing_key(self, purpose: str) -> bytes:
        """A key per purpose, so a token of one kind never verifies as another."""
        return hmac.new(self.secret_key.encode(), purpose.encode(), hashlib.sha256).digest()


def signing_key_name(stage: str) -> str:
    """The Secrets Manager secret that a deployed stage signs with (the CDK stack makes it)."""
    return f"catalyst/{stage}/signing-key"


def secret_key_weakness(key: str) -> str | None:
    """Why `key` may not sign tokens outside the local stages, or None."""
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"is shorter than {MIN_SECRET_KEY_LENGTH} characters"
    if LOCAL_SECRET_KEY in key:
        return "contains the example value"
    counts = Counter(key).values()
    bits = -sum(count * math.log2(count / len(key)) for count in counts)
    if bits < MIN_SECRET_KEY_BITS:
        return f"has too little entropy ({bits:.0f} bits by its own characters, below {MIN_SECRET_KEY_BITS})"
    return None


def _secret_from_secrets_manager(secret_id: str, region: str) -> str:
    from chalicelib.aws_clients import aws_client

    value = aws_client("secretsmanager", region=region).get_secret_value(SecretId=secret_id)["SecretString"]
    weakness = secret_key_weakness(value)
    if weakness:
        raise ConfigurationError(f"the secret {secret_id} {weakness}")
    return value


def _cors_origins(environ: Mapping[str, str]) -> list[str]:
    return [origin.strip() for origin in environ.get("CORS_ALLOWED_ORIGINS", "").split(",") if origin.strip()]


def _permission_list(environ: Mapping[str, str]) -> frozenset[str]:
    return frozenset(
        name.strip() for name in environ.get("DEFAULT_PERMISSIONS", DEFAULT_PERMISSIONS).split(",") if name.strip()
    )


def _switch(environ: Mapping[str, str], name: str, default: bool) -> bool | None:
    """A boolean setting's value; None when it is neither true nor false."""
    return BOOLEAN_VALUES.get(environ.get(name, str(default)).strip().lower())


def _tracing_disabled(environ: Mapping[str, str]) -> bool:
    """POWERTOOLS_TRACE_DISABLED, read by Powertools' own rule; raises ValueError when it is no truth value."""
    from aws_lambda_powertools.shared.functions import strtobool

    return strtobool(environ.get(TRACE_DISABLED_VARIABLE, "false").strip())


def _tracing(environ: Mapping[str, str]) -> bool:
    """Powertools' rule for its Tracer: on in Lambda's runtime (which alone
    sets LAMBDA_TASK_ROOT) unless POWERTOOLS_TRACE_DISABLED is true."""
    return bool(environ.get("LAMBDA_TASK_ROOT")) and not _tracing_disabled(environ)


def _switch_problems(environ: Mapping[str, str]) -> list[str]:
    problems = [
        f"{name} must be true or false"
        for name, default in BOOLEAN_SETTINGS.items()
        if _switch(environ, name, default) is None
    ]
    try:
        _tracing_disabled(environ)
    except ValueError:
        problems.append(f"{TRACE_DISABLED_VARIABLE} must be true or false")
    return problems


def _problems(environ: Mapping[str, str], known_permissions: frozenset[str]) -> list[str]:
    problems = []
    stage = environ.get("CATALYST_STAGE", "")
    if not STAGE_PATTERN.fullmatch(stage):
        problems.append("CATALYST_STAGE must be set to a stage name such as local, dev or prod")
    secret = environ.get("SECRET_KEY", "")
    secret_id = environ.get(SECRET_ID_VARIABLE, "")
    weakness = secret_key_weakness(secret)
    from_secrets_manager = bool(secret_id) and not secret
    if stage not in LOCAL_STAGES and weakness and not from_secrets_manager:
        problems.append(
            f"SECRET_KEY {weakness}: outside the local stages it must be a random value of at least "
            f'{MIN_SECRET_KEY_LENGTH} characters and {MIN_SECRET_KEY_BITS} bits (python -c "import secrets; '
            f'print(secrets.token_urlsafe(48))"), or SECRET_KEY_SECRET_ID name a Secrets Manager secret'
        )
    if len(_cors_origins(environ)) > 1:
        problems.append("CORS_ALLOWED_ORIGINS takes at most one origin")
    for name, (default, minimum, maximum) in NUMERIC_SETTINGS.items():
        value = environ.get(name, str(default))
        # The length first: int() of thousands of digits is refused, or slow.
        if not (value.isascii() and value.isdigit() and len(value) <= len(str(maximum))) or not (
            minimum <= int(value) <= maximum
        ):
            problems.append(f"{name} must be a whole number from {minimum:,} to {maximum:,}")
    problems += _switch_problems(environ)
    unknown = _permission_list(environ) - known_permissions
    if unknown:
        problems.append(f"DEFAULT_PERMISSIONS names unknown permissions: {', '.join(sorted(unknown))}")
    if environ.get("LOG_LEVEL", "INFO").upper() not in LOG_LEVELS:
        problems.append(f"LOG_LEVEL must be one of {', '.join(sorted(LOG_LEVELS))}")
    return problems


def parse_settings(environ: Mapping[str, str], *, known_permissions: frozenset[str]) -> Settings:
    """The settings `environ` describes, or every problem with it in one error."""
    problems = _problems(environ, known_permissions)
    if problems:
        raise ConfigurationError("Catalyst cannot start: " + "; ".join(problems))
    return Settings(
        stage=environ["CATALYST_STAGE"],
        secret_key_value=environ.get("SECRET_KEY", ""),
        secret_key_secret_id=environ.get(SECRET_ID_VARIABLE, ""),
        token_ttl_seconds=int(environ.get("TOKEN_TTL_SECONDS", str(DEFAULT_TOKEN_TTL_SECONDS))),
        aws_region=environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        log_level=environ.get("LOG_LEVEL", "INFO").upper(),
        orders_stream_arn=environ.get("ORDERS_STREAM_ARN", ""),
        default_permissions=_permission_list(environ),
        cors_allowed_origin=next(iter(_cors_origins(environ)), ""),
        status_reports_require_signature=bool(_switch(environ, "STATUS_REPORTS_REQUIRE_SIGNATURE", False)),
        legacy_tokens_enabled=bool(_switch(environ, "LEGACY_TOKENS_ENABLED", True)),
        tracing=_tracing(environ),
    )


_installed: Settings | None = None


def install(chosen: Settings) -> None:
    global _installed
    _installed = chosen


def settings() -> Settings:
    """The settings this process runs with."""
    if _installed is None:
        raise ConfigurationError("Catalyst is not configured: its entry point calls chalicelib.runtime.configure first")
    return _installed
