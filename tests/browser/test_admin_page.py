"""The admin page end to end, in headless Chromium against the local runner:
a superuser made with the CLI logs in, grants and revokes permissions, finds
an order and changes its tickets' statuses; the public API sees each change.

Every page is kept as a screenshot in test-artifacts/admin/. With
UPDATE_SCREENSHOTS=1 the order page also replaces the README's picture.
"""

import json
import os
import re
import shutil
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.integration.conftest import PROJECT_DIR, LocalStack
from tests.support.accounts import PASSWORD
from tests.support.integrators import signed_headers

pytestmark = pytest.mark.browser

SUPERUSER = "admin@example.com"
README_SCREENSHOT = PROJECT_DIR / "docs" / "admin-order.png"
ORDER_BODY = {
    "customer_name": "John Doe",
    "customer_phone": "+44 20 7946 0958",
    # Shown as text on the page, never as markup.
    "comment": "Leave at the <b>front desk</b>",
    "tickets": [{"product_codes": ["PROD-1"]}],
}


def api(stack: LocalStack, method: str, path: str, token: str | None = None, **kwargs: object) -> requests.Response:
    headers = {"Authorization": f"Token {token}"} if token else {}
    return requests.request(method, stack.url(path), headers=headers, timeout=30, **kwargs)


def create_order(stack: LocalStack, token: str, customer_name: str, tickets: int) -> dict:
    body = {
        **ORDER_BODY,
        "customer_name": customer_name,
        "tickets": [{"product_codes": [f"PROD-{number}"]} for number in range(1, tickets + 1)],
    }
    response = api(stack, "POST", "/api/orders/create/", token, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def log_in_through_api(stack: LocalStack, email: str, password: str) -> requests.Response:
    return api(stack, "POST", "/api/users/login/", json={"email": email, "password": password})


def log_in(page: Page, stack: LocalStack, email: str, password: str = PASSWORD) -> None:
    page.goto(stack.url("/admin/"))
    page.get_by_test_id("login-email").fill(email)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()


def open_from_home(page: Page, link: str, title: str) -> None:
    page.get_by_test_id("crumb-home").click()
    page.get_by_test_id(link).click()
    expect(page.get_by_test_id("page-title")).to_have_text(title)


def search(page: Page, text: str) -> None:
    page.get_by_test_id("search-input").fill(text)
    page.get_by_test_id("search-submit").click()
    # Only the results page names the search: the list is the new one from here on.
    expect(page.get_by_test_id("search-note")).to_contain_text(f"“{text}”")


def shoot(page: Page, directory: Path, name: str) -> Path:
    path = directory / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def change_permission(page: Page, email: str, permission: str, *, granted: bool) -> None:
    open_from_home(page, "nav-users", "Select user to change")
    search(page, email)
    rows = page.get_by_test_id("user-row")
    expect(rows).to_have_count(1)
    rows.get_by_test_id("user-link").click()
    expect(page.get_by_test_id("page-subtitle")).to_have_text(email)
    page.get_by_test_id(f"permission-{permission}").set_checked(granted)
    page.get_by_test_id("save-user").click()
    expect(page.get_by_test_id("message")).to_have_text(f"The user “{email}” was changed successfully.")
    expect(page.get_by_test_id(f"permission-{permission}")).to_be_checked(checked=granted)


def change_ticket_status(page: Page, code: str, status: str, label: str) -> None:
    ticket = page.locator(f"[data-test=ticket][data-code='{code}']")
    ticket.get_by_test_id("ticket-status-select").select_option(status)
    ticket.get_by_test_id("ticket-status-save").click()
    expect(page.get_by_test_id("message")).to_have_text(f"The ticket “{code}” was changed to {label}.")
    ticket = page.locator(f"[data-test=ticket][data-code='{code}']")
    expect(ticket.get_by_test_id("status").first).to_have_attribute("data-status", status)
    expect(ticket.get_by_test_id("history-source")).to_have_text(["admin"])


def test_a_superuser_manages_permissions_orders_and_tickets(
    page: Page, local_stack: LocalStack, artifacts_dir: Path
) -> None:
    local_stack.create_superuser(SUPERUSER, PASSWORD)
    local_stack.register("grace@example.com")
    ada = local_stack.register("ada@example.com")
    order = create_order(local_stack, ada, "Ada Lovelace", tickets=2)
    create_order(local_stack, ada, "Charles Babbage", tickets=1)
    first_code, second_code = (ticket["code"] for ticket in order["tickets"])

    # The page answers at /admin too, by sending the browser to /admin/.
    page.goto(local_stack.url("/admin"))
    assert page.url == local_stack.url("/admin/")
    expect(page.get_by_test_id("login-form")).to_be_visible()
    shoot(page, artifacts_dir, "login")
    log_in(page, local_stack, SUPERUSER)
    expect(page.get_by_test_id("page-title")).to_have_text("Site administration")
    expect(page.get_by_test_id("user-email")).to_have_text(SUPERUSER)

    # Grant orders.view_order to one user, revoke orders.add_order from another.
    open_from_home(page, "nav-users", "Select user to change")
    expect(page.get_by_test_id("user-row")).to_have_count(3)
    shoot(page, artifacts_dir, "users-list")
    change_permission(page, "grace@example.com", "orders.view_order", granted=True)
    shoot(page, artifacts_dir, "user-detail")
    change_permission(page, "ada@example.com", "orders.add_order", granted=False)

    admin = log_in_through_api(local_stack, SUPERUSER, PASSWORD).json()["token"]
    grace = api(local_stack, "GET", "/api/admin/users", admin, params={"q": "grace@"}).json()["results"][0]
    assert grace["permissions"] == ["orders.add_order", "orders.view_order"]
    refused = api(local_stack, "POST", "/api/orders/create/", ada, json=ORDER_BODY)
    assert refused.status_code == 403
    assert "orders.add_order" in refused.json()["detail"]

    # Find the order: by the status filter, by customer name, by the owner's email.
    open_from_home(page, "nav-orders", "Select order to change")
    page.get_by_test_id("filter-status-PENDING").click()
    expect(page.locator("#changelist-filter li.selected [data-test=filter-status-PENDING]")).to_be_visible()
    expect(page.get_by_test_id("order-row")).to_have_count(2)
    shoot(page, artifacts_dir, "orders-list")
    search(page, "lovelace")
    expect(page.locator("#changelist-filter li.selected [data-test=filter-status-PENDING]")).to_be_visible()
    expect(page.get_by_test_id("order-row")).to_have_count(1)
    expect(page.get_by_test_id("order-row")).to_have_attribute("data-order-id", str(order["order_id"]))
    search(page, "ada@example.com")
    expect(page.get_by_test_id("order-row")).to_have_count(2)
    page.locator(f"[data-test=order-row][data-order-id='{order['order_id']}'] [data-test=order-link]").click()
    expect(page.get_by_test_id("order-customer-name")).to_have_text("Ada Lovelace")
    expect(page.get_by_test_id("owner-link")).to_have_text("ada@example.com")

    # Change one ticket's status on the order page, the other on the ticket page.
    change_ticket_status(page, first_code, "DONE", "Done")
    expect(page.get_by_test_id("order-status").get_by_test_id("status")).to_have_text("Processing")
    order_screenshot = shoot(page, artifacts_dir, "order-detail")

    open_from_home(page, "nav-tickets", "Find a ticket")
    page.get_by_test_id("ticket-code-input").fill(second_code)
    page.get_by_test_id("ticket-find").click()
    expect(page.get_by_test_id("page-title")).to_have_text("Change ticket")
    change_ticket_status(page, second_code, "IN_PROGRESS", "In progress")
    shoot(page, artifacts_dir, "ticket")

    # The owner sees both changes through the public API, made by the admin.
    seen = api(local_stack, "GET", f"/api/orders/{order['order_id']}/", ada).json()
    assert seen["status"] == "PROCESSING"
    statuses = {ticket["code"]: ticket["status"] for ticket in seen["tickets"]}
    assert statuses == {first_code: "DONE", second_code: "IN_PROGRESS"}
    for ticket in seen["tickets"]:
        history = [(change["to_status"], change["source"]) for change in ticket["history"]]
        assert history == [(ticket["status"], "admin")]

    # The audit trail shows every change, newest first, and who made it.
    open_from_home(page, "nav-audit", "Audit trail")
    entries = page.get_by_test_id("audit-row")
    expect(entries.get_by_test_id("audit-action")).to_have_text(
        ["ticket.change_status", "ticket.change_status", "user.change", "user.change"]
    )
    expect(entries.get_by_test_id("audit-actor")).to_have_text([SUPERUSER] * 4)
    expect(entries.get_by_test_id("audit-target")).to_have_text(
        [f"ticket {second_code}", f"ticket {first_code}", "user ada@example.com", "user grace@example.com"]
    )
    shoot(page, artifacts_dir, "audit")

    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(order_screenshot, README_SCREENSHOT)


def test_a_user_who_is_not_staff_is_refused(page: Page, local_stack: LocalStack) -> None:
    local_stack.register("customer@example.com")

    log_in(page, local_stack, "customer@example.com")

    errors = page.get_by_test_id("login-errors")
    expect(errors.get_by_role("listitem")).to_have_text(["Only staff members may use the admin."])
    expect(errors.get_by_test_id("not-staff")).to_contain_text("You are authenticated as customer@example.com")
    expect(page.get_by_test_id("login-form")).to_be_visible()
    expect(page.get_by_test_id("user-tools")).to_be_hidden()
    assert page.evaluate("Object.keys(sessionStorage)") == []


def test_the_login_limit_applies_to_the_page_and_says_when_to_retry(page: Page, local_stack: LocalStack) -> None:
    for _ in range(5):
        assert log_in_through_api(local_stack, "locked@example.com", "wrong").status_code == 401

    log_in(page, local_stack, "locked@example.com", "wrong")

    errors = page.get_by_test_id("login-errors")
    expect(errors.get_by_role("listitem")).to_have_text(["Too many failed logins for this email. Try again later."])
    retry = errors.get_by_test_id("retry-after")
    expect(retry).to_have_text(re.compile(r"You can try again in 1[45] minutes\."))
    assert 800 < int(retry.get_attribute("data-seconds") or 0) <= 900


def signed_report(stack: LocalStack, key: dict, code: str, status: str) -> requests.Response:
    body = json.dumps({"status": status}).encode()
    headers = signed_headers(key_id=key["key_id"], secret=key["secret"], code=code, body=body)
    url = stack.url(f"/api/orders/tickets/{code}/update-status/")
    return requests.post(url, data=body, headers=headers, timeout=30)


def test_a_superuser_sees_integrators_keys_and_revokes_one(
    page: Page, local_stack: LocalStack, artifacts_dir: Path
) -> None:
    email = "keys-admin@example.com"
    local_stack.create_superuser(email, PASSWORD)
    old = json.loads(local_stack.cli("integrator", "create", "--name", "warehouse", "--json"))
    new = json.loads(local_stack.cli("integrator", "rotate", "--name", "warehouse", "--json"))
    code = create_order(local_stack, local_stack.register(), "Grace Hopper", tickets=1)["tickets"][0]["code"]
    assert signed_report(local_stack, old, code, "IN_PROGRESS").status_code == 200

    log_in(page, local_stack, email)
    open_from_home(page, "nav-integrators", "Integrators' signing keys")
    rows = page.get_by_test_id("key-row")
    expect(rows).to_have_count(2)
    old_row = page.locator(f"[data-test=key-row][data-key-id='{old['key_id']}']")
    expect(old_row.get_by_test_id("key-integrator")).to_have_text("warehouse")
    expect(old_row.get_by_test_id("key-last-used")).not_to_have_text("Never")
    new_row = page.locator(f"[data-test=key-row][data-key-id='{new['key_id']}']")
    expect(new_row.get_by_test_id("key-last-used")).to_have_text("Never")
    assert old["secret"] not in page.content()
    shoot(page, artifacts_dir, "integrators")

    page.once("dialog", lambda dialog: dialog.accept())
    old_row.get_by_test_id("revoke-key").click()

    expect(page.get_by_test_id("message")).to_have_text(f"The key “{old['key_id']}” of “warehouse” was revoked.")
    old_row = page.locator(f"[data-test=key-row][data-key-id='{old['key_id']}']")
    expect(old_row.get_by_test_id("revoked-at")).to_be_visible()
    expect(new_row.get_by_test_id("revoke-key")).to_be_visible()
    assert signed_report(local_stack, old, code, "DONE").status_code == 401
    assert signed_report(local_stack, new, code, "DONE").status_code == 200
