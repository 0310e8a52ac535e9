"""Settings every test process starts with, before any app module is imported."""

import os

# Unit tests talk to moto's in-process mock; nothing may reach a real endpoint.
for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "LOCALSTACK_HOST"):
    os.environ.pop(name, None)
os.environ.update(
    {
        "CATALYST_STAGE": "test",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_DEV": "false",
    }
)

from tests.support import botocore_hooks  # noqa: E402
from tests.support.dynamodb_calls import attach_call_recorder  # noqa: E402
from tests.support.faults import attach_fault_injector  # noqa: E402

botocore_hooks.install(attach_call_recorder, attach_fault_injector)
