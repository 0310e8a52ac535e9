"""The stage an operator command works on, and its settings.

The stage (--stage, else CATALYST_STAGE, else local) picks the resources,
catalyst-<stage>-*. The endpoint is AWS_ENDPOINT_URL; for the local and test
stages it defaults to the embedded emulator on 127.0.0.1:4566, and the
localstack stage finds LocalStack itself (LOCALSTACK_HOST). With no endpoint
(dev, prod) the commands talk to AWS with the usual credentials.
"""

import os
from pathlib import Path

from dotenv import load_dotenv

from chalicelib.config import LOCAL_STAGES, SECRET_ID_VARIABLE, Settings, signing_key_name
from chalicelib.runtime import configure, load_settings

PROJECT_DIR = Path(__file__).resolve().parents[2]
LOCAL_ENDPOINT = "http://127.0.0.1:4566"
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
# Stages served by the embedded emulator or LocalStack (which finds its own endpoint): any credentials do.
EMULATED_STAGES = frozenset({"local", "test", "localstack"})


def configure_stage(stage: str | None) -> Settings:
    """Install the settings of `stage` (None: CATALYST_STAGE, else local) for the commands."""
    load_dotenv(PROJECT_DIR / ".env", override=False)
    chosen = stage or os.environ.get("CATALYST_STAGE") or "local"
    # botocore reads the endpoint and the credentials from the environment.
    if chosen in {"local", "test"}:
        os.environ.setdefault("AWS_ENDPOINT_URL", LOCAL_ENDPOINT)
    if chosen in EMULATED_STAGES:
        for name, value in LOCAL_CREDENTIALS.items():
            os.environ.setdefault(name, value)
    environ = {**os.environ, "CATALYST_STAGE": chosen}
    # The stage's own signing key, as its functions have it (integrator commands
    # seal secrets with it): on a deployed stage, the stack's secret, fetched
    # only by a command that uses it; the local stages' key otherwise.
    if chosen not in LOCAL_STAGES and not environ.get("SECRET_KEY"):
        environ.setdefault(SECRET_ID_VARIABLE, signing_key_name(chosen))
    return configure(load_settings(environ))
