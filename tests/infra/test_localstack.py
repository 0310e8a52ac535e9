"""LocalStack: the compose file's structure, its init hook run against the
embedded emulator, and the isolated account `make test-localstack` uses.
No Docker engine runs here, so LocalStack itself is not started."""

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import yaml

from chalicelib.queues import QUEUES, VISIBILITY_PER_HANDLER_TIMEOUT
from chalicelib.tables import TABLES
from infra.local.emulator import Emulator, free_port, start_emulator
from infra.localstack.isolated_account import IsolatedAccount, random_account_id
from tests.infra.conftest import PROJECT_DIR

COMPOSE_FILE = PROJECT_DIR / "docker-compose.localstack.yml"
HOOK = PROJECT_DIR / "infra" / "localstack" / "ready.d" / "catalyst-bootstrap.sh"
PINNED_IMAGE = "localstack/localstack:4.14"
# A token looks like ls-XXXX...; none may be committed, in any form.
TOKEN_VALUE = re.compile(r"ls-[A-Za-z0-9]{8,}")
# .chalice/config.json: the localstack stage's consumer timeout.
LOCALSTACK_CONSUMER_TIMEOUT = 5


@pytest.fixture(scope="module")
def localstack_service() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())["services"]["localstack"]


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    emulator = start_emulator(port=free_port())
    yield emulator
    emulator.stop()


def _client(emulator: Emulator, service: str) -> object:
    return boto3.client(service, endpoint_url=emulator.endpoint_url, region_name="us-east-1")


def test_the_image_defaults_to_the_last_community_tag(localstack_service: dict) -> None:
    assert localstack_service["image"] == "${LOCALSTACK_IMAGE:-" + PINNED_IMAGE + "}"


def test_the_edge_port_is_published_on_loopback_only(localstack_service: dict) -> None:
    assert localstack_service["ports"] == ["127.0.0.1:4566:4566"]


def test_the_healthcheck_waits_for_the_ready_hooks_to_succeed(localstack_service: dict) -> None:
    healthcheck = localstack_service["healthcheck"]
    kind, interpreter, flag, script = healthcheck["test"]
    assert (kind, interpreter, flag) == ("CMD", "python3", "-c")
    compile(script, "healthcheck", "exec")
    assert "/_localstack/init/ready" in script
    assert "SUCCESSFUL" in script
    assert healthcheck["start_period"]


def test_the_ready_hook_is_mounted_with_the_code_it_runs(localstack_service: dict) -> None:
    volumes = localstack_service["volumes"]
    hook = f"./{HOOK.relative_to(PROJECT_DIR)}:/etc/localstack/init/ready.d/{HOOK.name}:ro"
    assert hook in volumes
    assert ".:/opt/catalyst:ro" in volumes
    assert os.access(HOOK, os.X_OK), "LocalStack runs only executable hooks"
    assert HOOK.read_text().startswith("#!/bin/bash\n")


def test_no_auth_token_is_committed(localstack_service: dict) -> None:
    assert localstack_service["environment"]["LOCALSTACK_AUTH_TOKEN"] == "${LOCALSTACK_AUTH_TOKEN:-}"
    for path in (COMPOSE_FILE, HOOK, PROJECT_DIR / ".env.example"):
        assert not TOKEN_VALUE.search(path.read_text()), path


def test_the_hook_creates_the_localstack_stages_tables_and_queues(emulator: Emulator, tmp_path: Path) -> None:
    # The hook's environment, already built: this test's own interpreter.
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (venv / "bin" / "python").chmod(0o755)
    requirements = (PROJECT_DIR / "requirements.txt").read_bytes() + (PROJECT_DIR / "requirements-dev.txt").read_bytes()
    digest = subprocess.run(["sha256sum"], input=requirements, capture_output=True, check=True).stdout.split()[0]
    (venv / ".requirements-digest").write_bytes(digest + b"\n")
    environment = {
        "PATH": os.environ["PATH"],
        "CATALYST_PROJECT_DIR": str(PROJECT_DIR),
        "CATALYST_BOOTSTRAP_VENV": str(venv),
        "CATALYST_BOOTSTRAP_ENDPOINT": emulator.endpoint_url,
    }
    result = subprocess.run(["bash", str(HOOK)], env=environment, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "installing" not in result.stdout

    tables = set(_client(emulator, "dynamodb").list_tables()["TableNames"])
    assert tables == {f"catalyst-localstack-{name}" for name in TABLES}
    sqs = _client(emulator, "sqs")
    urls = sqs.list_queues()["QueueUrls"]
    assert {url.rsplit("/", 1)[-1] for url in urls} == {
        f"catalyst-localstack-{queue}{suffix}" for queue in QUEUES for suffix in ("", "-dlq")
    }
    consumed = sqs.get_queue_url(QueueName="catalyst-localstack-ticket-status-events")["QueueUrl"]
    visibility = sqs.get_queue_attributes(QueueUrl=consumed, AttributeNames=["VisibilityTimeout"])
    batching_window = 1  # app.py: maximum_batching_window_in_seconds of ticket_status_events
    assert int(visibility["Attributes"]["VisibilityTimeout"]) == (
        VISIBILITY_PER_HANDLER_TIMEOUT * LOCALSTACK_CONSUMER_TIMEOUT + batching_window
    )


def test_an_isolated_account_deletes_what_it_holds(emulator: Emulator) -> None:
    account = IsolatedAccount(endpoint_url=emulator.endpoint_url, account_id=random_account_id())
    account.client("sqs").create_queue(QueueName="catalyst-test-scratch")
    account.client("dynamodb").create_table(
        TableName="catalyst-test-scratch",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert "catalyst-test-scratch" in account.delete_everything()
    assert account.client("dynamodb").list_tables()["TableNames"] == []
    assert account.client("sqs").list_queues().get("QueueUrls", []) == []


def test_isolated_accounts_are_twelve_digits_and_never_the_default() -> None:
    for _ in range(100):
        account = random_account_id()
        assert re.fullmatch(r"[1-9]\d{11}", account)
