"""Signed status reports end to end, on the emulator and on LocalStack: an
operator makes a key with the CLI, the integrator signs over HTTP, and the
change reaches the ticket's history and the order-events queue under the
integrator's name."""

import json
import os
import re
import subprocess
import time

import requests

from tests.integration.conftest import PROJECT_DIR, LocalStack
from tests.support.integrators import signature_header

README = PROJECT_DIR / "README.md"
REPORT = "/api/orders/tickets/{code}/update-status/"
ORDER_BODY = {"customer_name": "Ann", "customer_phone": "+1 555 0100", "tickets": [{"product_codes": ["A"]}]}


def post_report(local_stack: LocalStack, code: str, body: bytes, headers: list[tuple[str, str]]) -> int:
    return local_stack.post_exactly(REPORT.format(code=code), body, headers)


def outbound_events_of(local_stack: LocalStack, code: str, wanted: int) -> list[dict]:
    """The order-events messages about this ticket, waited for (the stream handler sends them)."""
    sqs = local_stack.client("sqs")
    url = sqs.get_queue_url(QueueName="catalyst-test-order-events")["QueueUrl"]
    found: list[dict] = []
    deadline = time.monotonic() + 60
    while len(found) < wanted and time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            event = json.loads(message["Body"])
            if event.get("ticket_code") == code:
                found.append(event)
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def test_a_report_signed_with_the_clis_secret_is_applied_as_the_integrators(local_stack: LocalStack) -> None:
    issued = json.loads(local_stack.cli("integrator", "create", "--name", f"acme-{time.time_ns()}", "--json"))
    token = local_stack.register()
    order = requests.post(
        local_stack.url("/api/orders/create/"), json=ORDER_BODY, headers={"Authorization": f"Token {token}"}, timeout=30
    ).json()
    code = order["tickets"][0]["code"]
    body = json.dumps({"status": "IN_PROGRESS", "event_id": "signed-1"}).encode()
    header = signature_header(key_id=issued["key_id"], secret=issued["secret"], code=code, body=body)
    tampered = body.replace(b"IN_PROGRESS", b"IN_PROGRESs")

    assert post_report(local_stack, code, tampered, [("Catalyst-Signature", header)]) == 401
    assert post_report(local_stack, code, body, [("Catalyst-Signature", header)] * 2) == 400
    assert post_report(local_stack, code, body, [("Catalyst-Signature", header)]) == 200

    detail = requests.get(
        local_stack.url(f"/api/orders/{order['order_id']}/"), headers={"Authorization": f"Token {token}"}, timeout=30
    ).json()
    [change] = detail["tickets"][0]["history"]
    assert (change["source"], change["integrator"], change["event_id"]) == ("integrator", issued["name"], "signed-1")
    [event] = outbound_events_of(local_stack, code, wanted=1)
    assert (event["type"], event["source"], event["integrator"]) == (
        "ticket.status_changed",
        "integrator",
        issued["name"],
    )

    local_stack.cli("integrator", "revoke", "--key-id", issued["key_id"])
    again = json.dumps({"status": "DONE"}).encode()
    header = signature_header(key_id=issued["key_id"], secret=issued["secret"], code=code, body=again)
    assert post_report(local_stack, code, again, [("Catalyst-Signature", header)]) == 401


def _readme_block(name: str, language: str) -> str:
    section = README.read_text().split(f"<!-- {name}:start -->", 1)[1].split(f"<!-- {name}:end -->", 1)[0]
    [block] = re.findall(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)
    return block


def test_the_readmes_senders_sign_reports_that_are_applied(local_stack: LocalStack) -> None:
    issued = json.loads(local_stack.cli("integrator", "create", "--name", f"readme-{time.time_ns()}", "--json"))
    token = local_stack.register()
    order = requests.post(
        local_stack.url("/api/orders/create/"),
        json={**ORDER_BODY, "tickets": [{"product_codes": ["A"]}, {"product_codes": ["B"]}]},
        headers={"Authorization": f"Token {token}"},
        timeout=30,
    ).json()
    python_code, shell_code = (ticket["code"] for ticket in order["tickets"])

    namespace: dict = {}
    exec(_readme_block("signed-sender-python", "python"), namespace)  # noqa: S102 (the README's own example)
    answer = namespace["report_status"](local_stack.base_url, issued["key_id"], issued["secret"], python_code, "DONE")
    shell = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", _readme_block("signed-sender-shell", "bash")],
        env={
            **os.environ,
            "BASE_URL": local_stack.base_url,
            "KEY_ID": issued["key_id"],
            "SECRET": issued["secret"],
            "TICKET_CODE": shell_code,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert answer == {"code": python_code, "status": "DONE", "outcome": "applied"}
    assert json.loads(shell.stdout) == {"code": shell_code, "status": "DONE", "outcome": "applied"}
