"""The audit trail of admin changes."""

import uuid
from datetime import UTC, datetime

import pytest

from chalicelib.storage import MAX_RETRY_ATTEMPTS
from chalicelib.users.models import UserRecord
from chalicelib.users.permissions import (
    ADD_ORDER,
    ALL_PERMISSIONS,
    CHANGE_TICKET,
    CHANGE_USER,
    VIEW_ORDER,
    VIEW_USER,
)
from tests.support.faults import THROTTLED, Fault, faults
from tests.unit.admin.conftest import (
    BUYER,
    INVALID_CURSOR,
    ROOT,
    Account,
    Shop,
    audit,
    audit_entries,
    change_ticket,
    create_order,
    denied,
    flip_character,
    make_account,
    query,
    stored_user,
    walk,
)
from tests.unit.conftest import Api


def account_state(email: str, **overrides: object) -> dict:
    return {
        "email": email,
        "is_active": True,
        "is_staff": False,
        "is_superuser": False,
        "permissions": ["orders.add_order"],
        **overrides,
    }


def test_a_user_change_is_audited_with_before_and_after(api: Api, root: Account, buyer: Account) -> None:
    started = datetime.now(UTC)
    api.patch(f"/api/admin/users/{buyer.user_id}", {"permissions": [ADD_ORDER, VIEW_ORDER]}, token=root.token)
    finished = datetime.now(UTC)

    (entry,) = audit(api, root.token)

    assert started <= datetime.fromisoformat(entry.pop("at")) <= finished
    assert entry == {
        "actor_email": ROOT,
        "action": "user.change",
        "target_type": "user",
        "target_id": buyer.user_id,
        "before": account_state(BUYER),
        "after": account_state(BUYER, permissions=["orders.add_order", "orders.view_order"]),
    }


def test_audit_entries_are_newest_first(api: Api, root: Account, buyer: Account) -> None:
    manager = make_account("manager@example.com", staff=True, permissions={CHANGE_USER})
    api.patch(f"/api/admin/users/{buyer.user_id}", {"is_staff": True}, token=root.token)
    api.patch(f"/api/admin/users/{buyer.user_id}", {"is_active": False}, token=manager.token)

    entries = audit(api, root.token)

    assert [(entry["actor_email"], entry["before"], entry["after"]) for entry in entries] == [
        (
            "manager@example.com",
            account_state(BUYER, is_staff=True),
            account_state(BUYER, is_staff=True, is_active=False),
        ),
        (ROOT, account_state(BUYER), account_state(BUYER, is_staff=True)),
    ]
    assert datetime.fromisoformat(entries[0]["at"]) > datetime.fromisoformat(entries[1]["at"])


def test_any_staff_member_with_view_user_reads_the_same_audit_trail(api: Api, root: Account, buyer: Account) -> None:
    api.patch(f"/api/admin/users/{buyer.user_id}", {"is_staff": True}, token=root.token)
    staff = make_account("staff@example.com", staff=True, permissions={VIEW_USER})
    entries = audit(api, staff.token)
    assert len(entries) == 1
    assert entries == audit(api, root.token)


@pytest.mark.parametrize(
    "permissions", [set(), ALL_PERMISSIONS - {VIEW_USER}], ids=["no-permission", "all-but-view-user"]
)
def test_the_audit_trail_needs_view_user(api: Api, root: Account, buyer: Account, permissions: set[str]) -> None:
    api.patch(f"/api/admin/users/{buyer.user_id}", {"is_staff": True}, token=root.token)
    staff = make_account("staff@example.com", staff=True, permissions=permissions)
    response = api.get("/api/admin/audit", token=staff.token)
    assert response.status_code == 403
    assert response.json_body == denied(VIEW_USER)


def test_an_audit_cursor_is_useless_once_view_user_is_revoked(api: Api, root: Account, buyer: Account) -> None:
    for n in range(3):
        api.patch(f"/api/admin/users/{buyer.user_id}", {"is_staff": n % 2 == 0}, token=root.token)
    staff = make_account("staff@example.com", staff=True, permissions={VIEW_USER})
    cursor = api.get("/api/admin/audit?limit=1", token=staff.token).json_body["next_cursor"]
    assert cursor is not None
    stored_user("staff@example.com").update(actions=[UserRecord.permissions.remove()])
    response = api.get(query("/api/admin/audit", limit=1, cursor=cursor), token=staff.token)
    assert response.status_code == 403
    assert response.json_body == denied(VIEW_USER)


def test_a_ticket_status_change_is_audited(api: Api, root: Account, shop: Shop) -> None:
    code = create_order(api, shop.alice)["tickets"][0]["code"]
    api.patch(f"/api/admin/users/{shop.bob.user_id}", {"is_staff": True}, token=root.token)
    started = datetime.now(UTC)
    assert change_ticket(api, root.token, code, "DONE").status_code == 200
    finished = datetime.now(UTC)

    entries = audit(api, root.token)

    assert [entry["target_type"] for entry in entries] == ["ticket", "user"]
    ticket_entry = entries[0]
    assert started <= datetime.fromisoformat(ticket_entry.pop("at")) <= finished
    assert ticket_entry == {
        "actor_email": ROOT,
        "action": "ticket.change_status",
        "target_type": "ticket",
        "target_id": code,
        "before": {"status": "NEW"},
        "after": {"status": "DONE"},
    }


def test_each_ticket_status_change_is_audited_by_its_actor(api: Api, root: Account, shop: Shop) -> None:
    code = create_order(api, shop.alice)["tickets"][0]["code"]
    operator = make_account("operator@example.com", staff=True, permissions={CHANGE_TICKET})
    assert change_ticket(api, root.token, code, "IN_PROGRESS").status_code == 200
    assert change_ticket(api, operator.token, code, "DONE").status_code == 200

    entries = audit(api, root.token)

    assert [(entry["actor_email"], entry["before"], entry["after"]) for entry in entries] == [
        ("operator@example.com", {"status": "IN_PROGRESS"}, {"status": "DONE"}),
        (ROOT, {"status": "NEW"}, {"status": "IN_PROGRESS"}),
    ]
    assert {entry["action"] for entry in entries} == {"ticket.change_status"}


def test_status_reports_from_outside_the_admin_are_not_audited(api: Api, root: Account, shop: Shop) -> None:
    code = create_order(api, shop.alice)["tickets"][0]["code"]
    response = api.post(f"/api/orders/tickets/{code}/update-status/", {"status": "DONE"})
    assert response.status_code == 200
    assert audit_entries() == []


@pytest.mark.usefixtures("no_backoff_sleep")
def test_a_ticket_change_that_cannot_be_written_leaves_no_audit_entry(api: Api, root: Account, shop: Shop) -> None:
    order = create_order(api, shop.alice)
    code = order["tickets"][0]["code"]
    throttled = Fault("dynamodb", "TransactWriteItems", *THROTTLED, times=MAX_RETRY_ATTEMPTS + 1)
    with faults(throttled):
        response = change_ticket(api, root.token, code, "DONE")
    assert response.status_code == 503
    assert audit_entries() == []
    assert api.order_detail(shop.alice.token, order["order_id"])["tickets"][0]["status"] == "NEW"


def test_a_ticket_change_retried_after_a_conflict_is_audited_once(api: Api, root: Account, shop: Shop) -> None:
    order = create_order(api, shop.alice)
    code = order["tickets"][0]["code"]
    # The ticket (with its history), the order's counts and the audit entry.
    reasons = [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}] + [
        {"Code": "None"}
    ] * 2
    conflict = Fault(
        "dynamodb", "TransactWriteItems", "TransactionCanceledException", "Transaction cancelled", 1, reasons
    )
    with faults(conflict) as (fault,):
        response = change_ticket(api, root.token, code, "DONE")
    assert fault.sent == 1
    assert response.status_code == 200
    (entry,) = audit_entries()
    assert (entry.action, entry.target_id, entry.before, entry.after) == (
        "ticket.change_status",
        code,
        '{"status": "NEW"}',
        '{"status": "DONE"}',
    )
    assert len(api.order_detail(shop.alice.token, order["order_id"])["tickets"][0]["history"]) == 1


def test_audit_pages_walk_every_entry_once_newest_first(api: Api, root: Account, buyer: Account) -> None:
    for n in range(5):
        api.patch(f"/api/admin/users/{buyer.user_id}", {"is_staff": n % 2 == 0}, token=root.token)
    everything = audit(api, root.token)
    assert len(everything) == 5

    pages = walk(api, root.token, "/api/admin/audit", limit=2)

    assert [len(page) for page in pages] == [2, 2, 1]
    assert [entry for page in pages for entry in page] == everything
    assert [entry["after"]["is_staff"] for entry in everything] == [True, False, True, False, True]


def test_audit_page_of_exactly_all_entries_has_no_next_cursor(api: Api, root: Account, buyer: Account) -> None:
    for n in range(2):
        api.patch(f"/api/admin/users/{buyer.user_id}", {"is_staff": n % 2 == 0}, token=root.token)
    response = api.get("/api/admin/audit?limit=2", token=root.token)
    assert len(response.json_body["results"]) == 2
    assert response.json_body["next_cursor"] is None


def test_audit_rejects_a_tampered_cursor(api: Api, root: Account, buyer: Account) -> None:
    for n in range(3):
        api.patch(f"/api/admin/users/{buyer.user_id}", {"is_staff": n % 2 == 0}, token=root.token)
    cursor = api.get("/api/admin/audit?limit=1", token=root.token).json_body["next_cursor"]
    response = api.get(query("/api/admin/audit", cursor=flip_character(cursor, 25)), token=root.token)
    assert response.status_code == 400
    assert response.json_body == INVALID_CURSOR


def test_refused_changes_write_no_audit_entry(api: Api, root: Account, buyer: Account) -> None:
    code = create_order(api, buyer)["tickets"][0]["code"]
    manager = make_account("manager@example.com", staff=True, permissions=ALL_PERMISSIONS - {CHANGE_TICKET})
    viewer = make_account("viewer@example.com", staff=True, permissions={VIEW_USER, VIEW_ORDER})
    user_path = f"/api/admin/users/{buyer.user_id}"
    attempts = [
        (api.patch(f"/api/admin/users/{root.user_id}", {"is_active": False}, token=root.token), 403),
        (api.patch(user_path, {"is_superuser": True}, token=manager.token), 403),
        (api.patch(f"/api/admin/users/{root.user_id}", {"is_staff": False}, token=manager.token), 403),
        (api.patch(user_path, {"is_staff": True}, token=viewer.token), 403),
        (api.patch(user_path, {"is_staff": True}, token=buyer.token), 403),
        (api.patch(user_path, {"permissions": ["orders.delete_order"]}, token=root.token), 400),
        (api.patch(user_path, {"is_staff": "perhaps"}, token=root.token), 400),
        (api.patch(f"/api/admin/users/{uuid.uuid4().hex}", {"is_staff": True}, token=root.token), 404),
        (api.patch(user_path, {}, token=root.token), 200),
        (change_ticket(api, manager.token, code, "DONE"), 403),
        (change_ticket(api, root.token, code, "FINISHED"), 400),
        (change_ticket(api, root.token, str(uuid.uuid4()), "DONE"), 404),
    ]
    assert [response.status_code for response, _ in attempts] == [status for _, status in attempts]
    assert audit_entries() == []
    assert audit(api, root.token) == []
    assert stored_user(BUYER).is_staff is False
