"""Unit tests: the Chalice app in-process, DynamoDB mocked by moto."""

import dataclasses
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.retries.standard import ExponentialBackoff
from chalice.test import Client
from moto import mock_aws

from app import app
from chalicelib import storage
from chalicelib.config import Settings, settings
from chalicelib.observability import logger
from chalicelib.runtime import configure
from infra.local.bootstrap import create_queues, create_tables
from infra.local.moto_fidelity import make_moto_faithful
from tests.support.accounts import EMAIL, PASSWORD

make_moto_faithful()


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        create_tables()
        yield


Reconfigure = Callable[..., Settings]


@pytest.fixture
def reconfigure() -> Iterator[Reconfigure]:
    """Run the test with some settings changed (dataclasses.replace's fields); the test stage's again afterwards."""
    original = settings()

    def change(**changes: Any) -> Settings:
        return configure(dataclasses.replace(original, **changes))

    yield change
    configure(original)


@pytest.fixture
def queues(aws: None) -> None:
    create_queues()


@pytest.fixture
def client(aws: None) -> Iterator[Client]:
    with Client(app) as test_client:
        yield test_client


class Api:
    """Small helpers over chalice.test.Client for JSON calls."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def post(self, path: str, body: object = None, token: str | None = None, headers: dict | None = None):
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if token:
            all_headers["Authorization"] = f"Token {token}"
        raw = body if isinstance(body, str | bytes) else json.dumps(body if body is not None else {})
        return self.client.http.post(path, headers=all_headers, body=raw)

    def get(self, path: str, token: str | None = None, headers: dict | None = None):
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Token {token}"
        return self.client.http.get(path, headers=all_headers)

    def patch(self, path: str, body: object = None, token: str | None = None, headers: dict | None = None):
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if token:
            all_headers["Authorization"] = f"Token {token}"
        raw = body if isinstance(body, str | bytes) else json.dumps(body if body is not None else {})
        return self.client.http.request("PATCH", path, headers=all_headers, body=raw)

    def register(self, email: str = EMAIL, password: str = PASSWORD) -> str:
        response = self.post("/api/users/register/", {"email": email, "password": password})
        assert response.status_code == 201, response.json_body
        return response.json_body["token"]

    def order_detail(self, token: str, order_id: int) -> dict:
        response = self.get(f"/api/orders/{order_id}/", token=token)
        assert response.status_code == 200, response.json_body
        return response.json_body

    def create_order(self, token: str, tickets: int = 1, **fields: object) -> dict:
        body = {
            "customer_name": "John Doe",
            "customer_phone": "+1234567890",
            "tickets": [{"product_codes": [f"PROD-{n}"]} for n in range(tickets)],
            **fields,
        }
        response = self.post("/api/orders/create/", body, token=token)
        assert response.status_code == 201, response.json_body
        return response.json_body


@pytest.fixture
def api(client: Client) -> Api:
    return Api(client)


class CurrentStdout:
    """The logger's handler kept the stdout of import time; this follows whatever sys.stdout is now."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@pytest.fixture
def log_records(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[dict]]:
    """The JSON lines the service logger writes to stdout during the test, parsed."""
    monkeypatch.setattr(logger.registered_handler, "stream", CurrentStdout())

    def read() -> list[dict]:
        return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]

    return read


@pytest.fixture
def token(api: Api) -> str:
    """A registered user's token (EMAIL, PASSWORD)."""
    return api.register()


@pytest.fixture
def no_backoff_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """The retries run for real, the SDK's and ours; only the waiting between them is skipped."""
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0)
    monkeypatch.setattr(storage, "RETRY_BACKOFF_SECONDS", 0)
