"""The acceptance of the seed import, as an operator runs it: the command
line against the running local stack (the embedded emulator, or LocalStack),
with the real database the seed service made, then its clients over HTTP."""

import os
import subprocess
import sys
from pathlib import Path

import requests

from tests.integration.conftest import PROJECT_DIR, STAGE, LocalStack
from tests.support.seed_databases import SQLITE_SAMPLE_DATA, copy_sqlite_sample, sample_data


def import_seed(local_stack: LocalStack, url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "infra.cli", "--stage", STAGE, "import-seed", "--database-url", url],
        cwd=PROJECT_DIR,
        env={**os.environ, "AWS_ENDPOINT_URL": local_stack.emulator.endpoint_url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def get(local_stack: LocalStack, path: str, token: str) -> requests.Response:
    return requests.get(local_stack.url(path), headers={"Authorization": f"Token {token}"}, timeout=30)


def test_the_seeds_sqlite_database_moves_in_and_its_clients_keep_working(
    local_stack: LocalStack, tmp_path: Path
) -> None:
    data = sample_data(SQLITE_SAMPLE_DATA)
    url = copy_sqlite_sample(tmp_path)
    first = import_seed(local_stack, url)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "users: 5/5 rows" in first.stderr, "plain progress lines when not on a terminal"

    for user in data["users"]:
        body = {"email": user["email"], "password": user["password"]}
        for attempt in ("first login, on the Django hash", "second, on the argon2id hash"):
            response = requests.post(local_stack.url("/api/users/login/"), json=body, timeout=30)
            assert response.status_code == (200 if user["is_active"] else 401), (user["key"], attempt)
        if user["token"]:
            assert get(local_stack, "/api/orders/", user["token"]).status_code == (200 if user["is_active"] else 401)
    alice = next(user for user in data["users"] if user["key"] == "alice")
    listed = get(local_stack, "/api/orders/", alice["token"]).json()["results"]
    assert sorted(order["order_id"] for order in listed) == [1, 2]
    detail = get(local_stack, "/api/orders/2/", alice["token"]).json()
    assert detail["customer_phone"] == "+1 (202) 555-0199 x7"

    code = next(t["code"] for o in data["orders"] for t in o["tickets"] if t["status"] == "NEW")
    report = requests.post(
        local_stack.url(f"/api/orders/tickets/{code}/update-status/"), json={"status": "ERROR"}, timeout=30
    )
    assert report.status_code == 200, report.text

    second = import_seed(local_stack, url)
    assert second.returncode == 0, second.stdout + second.stderr
    rows = {line.split()[0]: line.split()[1:] for line in second.stdout.splitlines() if line.split()}
    assert rows["users"] == ["0", "5", "0"]
    assert rows["orders"] == ["0", "8", "0"]
    assert rows["tickets"] == ["0", "12", "0"]
    owner = next(
        u
        for u in data["users"]
        for o in data["orders"]
        if o["user_id"] == u["id"]
        for t in o["tickets"]
        if t["code"] == code
    )
    order_id = next(o["id"] for o in data["orders"] for t in o["tickets"] if t["code"] == code)
    tickets = get(local_stack, f"/api/orders/{order_id}/", owner["token"]).json()["tickets"]
    assert next(t["status"] for t in tickets if t["code"] == code) == "ERROR", "a report after the switch survives"
