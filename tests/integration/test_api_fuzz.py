"""schemathesis over the OpenAPI description, against the live local stack.

Its CLI generates requests from /api/openapi.json for every operation, valid
and invalid ones, sends them with a freshly registered user's token (and the admin's
operations again with a superuser's), and fails on any 5xx or any response that breaks the description. FUZZ_EXAMPLES
bounds the requests per operation; `make fuzz` runs a longer pass.
(The CLI rather than schemathesis' pytest plugin, which does not run under
this pytest version.)
"""

import os
import subprocess
import sys
from pathlib import Path

from tests.integration.conftest import LocalStack

EXAMPLES_PER_OPERATION = os.environ.get("FUZZ_EXAMPLES", "20")
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


def _schemathesis(local_stack: LocalStack, token: str, report_dir: Path, *selection: str) -> None:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        local_stack.url("/api/openapi.json"),
        "--url",
        local_stack.base_url,
        "--checks",
        CHECKS,
        "--max-examples",
        EXAMPLES_PER_OPERATION,
        "--seed",
        "20261126",
        "--header",
        f"Authorization: Token {token}",
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--report",
        "junit",
        "--report-dir",
        str(report_dir),
        *selection,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]


def test_api_answers_as_described(local_stack: LocalStack, tmp_path: Path) -> None:
    """Every operation, as a freshly registered user."""
    _schemathesis(local_stack, local_stack.register(), tmp_path)


def test_admin_api_answers_as_described_to_a_superuser(local_stack: LocalStack, tmp_path: Path) -> None:
    """The admin's operations again, as a superuser, so they run past their permission checks."""
    email, password = "fuzz-admin@example.com", "correct horse battery staple"
    local_stack.create_superuser(email, password)
    _schemathesis(local_stack, local_stack.login(email, password), tmp_path, "--include-tag", "admin")


def test_order_creation_under_one_idempotency_key_answers_as_described(local_stack: LocalStack, tmp_path: Path) -> None:
    """Every generated creation sent with one key: the first makes the order, the same body replays it,
    any other body answers 422; all as the description says."""
    _schemathesis(
        local_stack,
        local_stack.register(),
        tmp_path,
        "--include-path",
        "/api/orders/create/",
        "--header",
        "Idempotency-Key: fuzz-one-key",
    )
