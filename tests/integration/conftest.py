"""Integration tests: an AWS backend, then `make run`'s runner pointed at it
(stage `test`), serving the real Chalice local server and running the app's
event handlers; tests speak HTTP and, for queues, boto3.

CATALYST_INTEGRATION_BACKEND picks the backend, and `make test` runs the
suite once on each:
- `emulator` (the default): the embedded emulator on a free port.
- `localstack`: a fresh account of its own in LocalStack at
  CATALYST_LOCALSTACK_ADDRESS (HOST:PORT), used and left running if one
  answers there, else started there in host mode and stopped afterwards;
  without an address, on a free port.
"""

import http.client
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from infra.local.emulator import Emulator, free_port, start_emulator
from infra.local.processes import dies_with_parent
from infra.localstack.host import localstack_at
from infra.localstack.isolated_account import IsolatedAccount, isolated_account
from tests.support.accounts import PASSWORD

PROJECT_DIR = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_SECONDS = 60
# The runner's stage: its queue consumer has a 1 s timeout, so failed
# messages come back after 6 s instead of the local stage's 30.
STAGE = "test"
BACKENDS = ("emulator", "localstack")
BACKEND = os.environ.get("CATALYST_INTEGRATION_BACKEND") or "emulator"
if BACKEND not in BACKENDS:
    raise pytest.UsageError(f"CATALYST_INTEGRATION_BACKEND must be one of {BACKENDS}, not {BACKEND!r}")


@dataclass
class LocalStack:
    base_url: str
    emulator: Emulator | IsolatedAccount
    log_path: Path

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def client(self, service: str) -> Any:
        return aws_client(self.emulator, service)

    def cli(self, *args: str, env: dict[str, str] | None = None, timeout: float = 60) -> str:
        """`python -m infra.cli --stage test ARGS` against this stack's endpoint, as an operator runs it; its stdout."""
        result = subprocess.run(
            [sys.executable, "-m", "infra.cli", "--stage", STAGE, *args],
            cwd=PROJECT_DIR,
            env={**os.environ, "AWS_ENDPOINT_URL": self.emulator.endpoint_url, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def post_exactly(
        self, path: str, body: str | bytes, headers: list[tuple[str, str]] = (), *, source: str = "127.0.0.1"
    ) -> int:
        """One JSON POST from the loopback address `source`, with headers sent exactly as listed (repeats too)."""
        payload = body.encode() if isinstance(body, str) else body
        port = int(self.base_url.rsplit(":", 1)[1])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
        try:
            connection.putrequest("POST", path)
            for name, value in [("Content-Type", "application/json"), ("Content-Length", str(len(payload))), *headers]:
                connection.putheader(name, value)
            connection.endheaders(payload)
            return connection.getresponse().status
        finally:
            connection.close()

    def create_superuser(self, email: str, password: str) -> None:
        """Exactly as an operator would script it."""
        password_variable = {"CATALYST_SUPERUSER_PASSWORD": password}
        output = self.cli("createsuperuser", "--email", email, "--no-input", env=password_variable)
        assert "Superuser created successfully." in output

    def login(self, email: str, password: str) -> str:
        response = requests.post(self.url("/api/users/login/"), json={"email": email, "password": password}, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()["token"]

    def register(self, email: str | None = None, password: str = PASSWORD) -> str:
        email = email or f"user-{uuid.uuid4().hex[:12]}@example.com"
        body = {"email": email, "password": password}
        response = requests.post(self.url("/api/users/register/"), json=body, timeout=30)
        assert response.status_code == 201, response.text
        return response.json()["token"]


def pytest_report_header() -> str:
    return f"integration backend: {BACKEND}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.path):
            item.add_marker(pytest.mark.integration)


def aws_client(emulator: Emulator | IsolatedAccount, service: str) -> Any:
    return boto3.client(service, endpoint_url=emulator.endpoint_url, region_name="us-east-1")


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator | IsolatedAccount]:
    """The embedded emulator on a free port; or a fresh account of its own in LocalStack."""
    if BACKEND == "localstack":
        address = os.environ.get("CATALYST_LOCALSTACK_ADDRESS")
        with localstack_at(address) as localstack, isolated_account(localstack.url) as account:
            yield account
        return
    emulator = start_emulator(port=free_port())
    yield emulator
    emulator.stop()


def _wait_for_health(base_url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the local runner exited early:\n{log_path.read_text()}")
        try:
            if requests.get(f"{base_url}/api/health/", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the local runner did not become healthy:\n{log_path.read_text()}")


@pytest.fixture(scope="session")
def local_stack(emulator: Emulator | IsolatedAccount, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    port = free_port()
    log_path = tmp_path_factory.mktemp("local-runner") / "runner.log"
    env = {**os.environ, "AWS_ENDPOINT_URL": emulator.endpoint_url, "PYTHONUNBUFFERED": "1"}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            # Killed with this process however it ends, even by a SIGTERM that skips the finally below.
            dies_with_parent([sys.executable, "-m", "infra.local.run", "--port", str(port), "--stage", STAGE]),
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_health(base_url, process, log_path)
        yield LocalStack(base_url=base_url, emulator=emulator, log_path=log_path)
    finally:
        process.terminate()
        process.wait(timeout=15)
