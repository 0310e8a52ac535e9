"""The settings every test process runs with: the test stage, on moto."""

import os

# Unit tests talk to moto's in-process mock; nothing may reach a real endpoint.
for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "LOCALSTACK_HOST"):
    os.environ.pop(name, None)
TEST_ENVIRONMENT = {
    "CATALYST_STAGE": "test",
    "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_DEV": "false",
}
# In the environment too: botocore reads the credentials there, and `import
# app` its settings, as on Lambda.
os.environ.update(TEST_ENVIRONMENT)

from chalicelib.runtime import configure, load_settings  # noqa: E402
from tests.support import botocore_hooks  # noqa: E402
from tests.support.aws_calls import attach_call_recorder  # noqa: E402
from tests.support.faults import attach_fault_injector  # noqa: E402

configure(load_settings(TEST_ENVIRONMENT))
botocore_hooks.install(attach_call_recorder, attach_fault_injector)
