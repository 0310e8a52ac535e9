"""The local stack over real HTTP: the runner, Chalice's local server and the emulator."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from infra.local.emulator import free_port, port_in_use
from infra.local.processes import dies_with_parent
from tests.integration.conftest import PROJECT_DIR, LocalStack
from tests.support.metrics import metric_points

README = PROJECT_DIR / "README.md"
SEED_BASE_URL = "http://localhost:8080"


def _walkthrough_script() -> str:
    text = README.read_text()
    section = text.split("<!-- walkthrough:start -->", 1)[1].split("<!-- walkthrough:end -->", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)
    assert blocks, "the README walkthrough has no bash blocks"
    return "\n".join(blocks)


def test_readme_walkthrough_runs_as_written(local_stack: LocalStack) -> None:
    script = _walkthrough_script()
    assert SEED_BASE_URL in script
    log_before = local_stack.log_path.read_text()
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script.replace(SEED_BASE_URL, local_stack.base_url)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    final_order = json.loads(result.stdout.strip().splitlines()[-1])
    assert final_order["status"] == "PROCESSING"
    assert [ticket["status"] for ticket in final_order["tickets"]] == ["IN_PROGRESS"]
    _the_runners_output_shows_the_walkthroughs_metrics(local_stack, len(log_before))


def _the_runners_output_shows_the_walkthroughs_metrics(local_stack: LocalStack, since: int) -> None:
    """The runner's output carries the EMF documents of the walkthrough, as Lambda's log would:
    its order, its status report through the API, and (from the stream handler) the events they published."""
    expected = {
        ("OrdersCreated", (("stage", "test"),), 1.0),
        ("TicketsPerOrder", (("stage", "test"),), 1.0),
        ("StatusReports", (("outcome", "applied"), ("source", "api"), ("stage", "test")), 1.0),
    }
    # A stream batch may hold earlier tests' records too: its counts are at least the walkthrough's.
    published_types = {"order.status_changed", "ticket.status_changed"}
    deadline = time.monotonic() + 30
    while True:
        points = [
            point for point in metric_points(local_stack.log_path.read_text()[since:]) if point.namespace == "Catalyst"
        ]
        shown = {(point.name, tuple(sorted(point.dimensions.items())), point.value) for point in points}
        published = {point.dimensions.get("type") for point in points if point.name == "OrderEventsPublished"}
        if (expected <= shown and published_types <= published) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert expected <= shown, shown
    assert published_types <= published, shown


@pytest.mark.parametrize("slash", ["/", ""])
def test_every_route_answers_with_and_without_trailing_slash(local_stack: LocalStack, slash: str) -> None:
    token = local_stack.register()
    auth = {"Authorization": f"Bearer {token}"}
    order = requests.post(
        local_stack.url(f"/api/orders/create{slash}"),
        json={"customer_name": "Ann", "customer_phone": "+1 555 0100", "tickets": [{"product_codes": ["A"]}]},
        headers=auth,
        timeout=30,
    )
    assert order.status_code == 201, order.text
    order_id = order.json()["order_id"]
    code = order.json()["tickets"][0]["code"]
    update = requests.post(
        local_stack.url(f"/api/orders/tickets/{code}/update-status{slash}"), json={"status": "DONE"}, timeout=30
    )
    assert update.status_code == 200, update.text
    detail = requests.get(local_stack.url(f"/api/orders/{order_id}{slash}"), headers=auth, timeout=30)
    assert detail.json()["status"] == "COMPLETED"
    listing = requests.get(local_stack.url(f"/api/orders{slash}"), headers=auth, timeout=30)
    assert [row["order_id"] for row in listing.json()["results"]] == [order_id]
    assert requests.get(local_stack.url(f"/api/health{slash}"), timeout=30).status_code == 200


def test_twenty_concurrent_registrations_of_one_email_create_one_user(local_stack: LocalStack) -> None:
    email = f"race-{uuid.uuid4().hex[:8]}@example.com"

    def register(_: int) -> int:
        body = {"email": email, "password": "correct horse battery"}
        return requests.post(local_stack.url("/api/users/register/"), json=body, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(register, range(20)))
    assert statuses.count(201) == 1
    assert statuses.count(409) == 19


BAD_REQUESTS = [
    ("/api/users/register/", b"{not json", None),
    ("/api/users/register/", json.dumps({"email": "x", "password": 5}).encode(), None),
    ("/api/users/register/", json.dumps({"email": "a@example.com", "password": "x" * 70_000}).encode(), None),
    ("/api/users/login/", json.dumps({"email": ["a"]}).encode(), None),
    ("/api/orders/create/", json.dumps({"customer_phone": "1" * 25, "tickets": [{}]}).encode(), "token"),
    ("/api/orders/create/", json.dumps({"customer_name": "A", "customer_phone": "12345", "tickets": 1}).encode(), "t"),
    ("/api/orders/create/", json.dumps([1, 2]).encode(), "token"),
    ("/api/orders/tickets/not-a-uuid/update-status/", json.dumps({"status": "DONE"}).encode(), None),
    (f"/api/orders/tickets/{uuid.uuid4()}/update-status/", json.dumps({"status": "WHATEVER"}).encode(), None),
]


@pytest.mark.parametrize(("path", "body", "auth"), BAD_REQUESTS)
def test_bad_input_is_a_4xx_with_a_json_body(local_stack: LocalStack, path: str, body: bytes, auth: str | None) -> None:
    headers = {"Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = f"Token {local_stack.register()}"
    response = requests.post(local_stack.url(path), data=body, headers=headers, timeout=30)
    assert 400 <= response.status_code < 500, response.text
    assert isinstance(response.json(), dict)
    assert "Traceback" not in response.text


def test_runner_reports_what_runs_where(local_stack: LocalStack) -> None:
    log = local_stack.log_path.read_text()
    assert local_stack.emulator.endpoint_url in log
    assert "[configured endpoint]" in log
    assert "catalyst-test-users" in log
    assert "catalyst-test-orders" in log
    assert "queue          catalyst-test-ticket-status-events-dlq" in log
    assert "ticket_status_events <- SQS catalyst-test-ticket-status-events  (batch 10, window 1 s)" in log
    stream = f"arn:aws:dynamodb:us-east-1:{local_stack.emulator.account_id}:table/catalyst-test-orders/stream/"
    assert f"order_events <- DynamoDB stream {stream}" in log


def test_runner_starts_its_own_emulator_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    api_port, emulator_port = free_port(), free_port()
    env = {key: value for key, value in os.environ.items() if key != "AWS_ENDPOINT_URL"}
    log_path = tmp_path / "runner.log"
    with log_path.open("w") as log:
        runner = subprocess.Popen(
            dies_with_parent(
                [
                    sys.executable,
                    "-m",
                    "infra.local.run",
                    "--port",
                    str(api_port),
                    "--emulator-port",
                    str(emulator_port),
                ]
            ),
            cwd=PROJECT_DIR,
            env={**env, "PYTHONUNBUFFERED": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while "Ctrl-C stops everything" not in log_path.read_text():
            assert runner.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        assert "embedded emulator" in log_path.read_text()
        assert requests.get(f"http://127.0.0.1:{api_port}/api/health/", timeout=10).status_code == 200
        runner.send_signal(signal.SIGINT)
        assert runner.wait(timeout=20) == 0
    finally:
        if runner.poll() is None:
            runner.kill()
    assert not port_in_use("127.0.0.1", emulator_port)
    assert not port_in_use("127.0.0.1", api_port)


def test_failed_logins_from_another_address_leave_the_owners_login_alone(local_stack: LocalStack) -> None:
    email = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    local_stack.register(email=email)
    wrong = json.dumps({"email": email, "password": "not the password"})

    statuses = [local_stack.post_exactly("/api/users/login/", wrong, source="127.0.0.2") for _ in range(6)]

    assert statuses == [401] * 5 + [429]
    assert local_stack.login(email, "correct horse battery")


def test_a_repeated_authorization_header_is_refused(local_stack: LocalStack) -> None:
    token = local_stack.register()
    body = json.dumps({"customer_name": "A", "customer_phone": "+1234567890", "tickets": [{"product_codes": ["P"]}]})
    once = [("Authorization", f"Token {token}")]

    assert local_stack.post_exactly("/api/orders/create/", body, once) == 201
    assert local_stack.post_exactly("/api/orders/create/", body, once * 2) == 400
    another = [*once, ("authorization", "Token x")]
    assert local_stack.post_exactly("/api/orders/create/", body, another) == 400
