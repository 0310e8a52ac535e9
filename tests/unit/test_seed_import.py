"""The seed's database imported (python -m infra.cli import-seed), then used
through the HTTP API: the real samples the seed service made, on SQLite and on
a real PostgreSQL server, and generated databases with Django's own hashes."""

import argparse
import secrets
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from chalicelib.orders.models import OrderRecord, OrdersTableItem, TicketRecord
from chalicelib.users.models import UserRecord
from infra.cli import import_seed
from infra.seed.importer import SEED_ORDER_ID_LIMIT
from tests.support.faults import Fault, ProcessDied, faults
from tests.support.postgresql import PostgreSQL, postgresql_server
from tests.support.seed_databases import (
    HASHER_ALGORITHMS,
    POSTGRESQL_SAMPLE,
    POSTGRESQL_SAMPLE_DATA,
    POSTGRESQL_SCHEMA,
    SQLITE_SAMPLE_DATA,
    GeneratedSeed,
    copy_sqlite_sample,
    django_hash,
    sample_data,
)
from tests.unit.conftest import Api
from tests.unit.test_order_events import events_of, raw_order, raw_ticket, stream_record

ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(scope="module")
def postgresql() -> Iterator[PostgreSQL]:
    with postgresql_server() as server:
        yield server


def _database_name() -> str:
    return f"seed_{secrets.token_hex(4)}"


@pytest.fixture(params=ENGINES)
def sample(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, dict]:
    """A real database made by the seed service, and what the seed's API saw of it."""
    if request.param == "sqlite":
        return copy_sqlite_sample(tmp_path), sample_data(SQLITE_SAMPLE_DATA)
    server = request.getfixturevalue("postgresql")
    return server.create_database(_database_name(), sql_file=POSTGRESQL_SAMPLE), sample_data(POSTGRESQL_SAMPLE_DATA)


@pytest.fixture(params=ENGINES)
def write_seed(request: pytest.FixtureRequest, tmp_path: Path):
    """Writes a GeneratedSeed on the seed's schema, on either engine; returns its URL."""

    def write(seed: GeneratedSeed) -> str:
        if request.param == "sqlite":
            return seed.write_sqlite(tmp_path / "generated.sqlite3")
        server = request.getfixturevalue("postgresql")
        return seed.write_postgresql(server.create_database(_database_name(), sql_file=POSTGRESQL_SCHEMA))

    return write


def run_import(url: str, capsys: pytest.CaptureFixture[str], *, dry_run: bool = False) -> tuple[int, str, str]:
    status = import_seed.run(argparse.Namespace(database_url=url, dry_run=dry_run))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def summary_counts(out: str) -> dict[str, tuple[int, int, int]]:
    counts = {}
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] in {"users", "orders", "tickets"} and len(parts) == 4:
            counts[parts[0]] = tuple(int(part.replace(",", "")) for part in parts[1:])
    return counts


def all_items() -> list[dict]:
    items = [item.serialize() for item in UserRecord.scan(consistent_read=True)]
    return items + [item.serialize() for item in OrdersTableItem.scan(consistent_read=True)]


def login(api: Api, email: str, password: str):
    return api.post("/api/users/login/", {"email": email, "password": password})


def orders_of(api: Api, token: str) -> list[int]:
    response = api.get("/api/orders/", token=token)
    assert response.status_code == 200, response.json_body
    return sorted(order["order_id"] for order in response.json_body["results"])


def seed_user(data: dict, key: str) -> dict:
    return next(user for user in data["users"] if user["key"] == key)


# The real samples


def test_the_seeds_real_database_imports_and_its_clients_keep_working(
    api: Api, sample: tuple[str, dict], capsys: pytest.CaptureFixture[str]
) -> None:
    url, data = sample
    status, out, _err = run_import(url, capsys)
    assert status == 0, out
    assert summary_counts(out) == {"users": (5, 0, 0), "orders": (8, 0, 0), "tickets": (12, 0, 0)}

    for user in data["users"]:
        response = login(api, user["email"], user["password"])
        assert response.status_code == (200 if user["is_active"] else 401), user["key"]
        if user["is_active"]:
            stored = UserRecord.get(user["email"].lower(), consistent_read=True)
            assert stored.password_hash.startswith("$argon2id$"), "rehashed on the first login"
            assert login(api, user["email"], user["password"]).status_code == 200, "and after the rehash"
    for user in data["users"]:
        if user["token"]:
            expected = 200 if user["is_active"] else 401
            assert api.get("/api/orders/", token=user["token"]).status_code == expected, user["key"]

    for user in data["users"]:
        if user["token"] and user["is_active"]:
            own = sorted(order["id"] for order in data["orders"] if order["user_id"] == user["id"])
            assert orders_of(api, user["token"]) == own
    alice = seed_user(data, "alice")
    first = next(order for order in data["orders"] if order["id"] == 1)
    detail = api.get("/api/orders/1/", token=alice["token"]).json_body
    assert detail["order_id"] == 1
    assert detail["customer_phone"] == first["customer_phone"]
    assert [ticket["code"] for ticket in detail["tickets"]] == [ticket["code"] for ticket in first["tickets"]]
    assert [ticket["status"] for ticket in detail["tickets"]] == [ticket["status"] for ticket in first["tickets"]]
    assert {entry["source"] for ticket in detail["tickets"] for entry in ticket["history"]} == {"import"}

    new_ticket = next(ticket for order in data["orders"] for ticket in order["tickets"] if ticket["status"] == "NEW")
    response = api.post(f"/api/orders/tickets/{new_ticket['code']}/update-status/", {"status": "IN_PROGRESS"})
    assert response.status_code == 200, response.json_body


def test_permissions_and_flags_carry_over_by_name_with_the_default_ones(
    api: Api, sample: tuple[str, dict], capsys: pytest.CaptureFixture[str]
) -> None:
    url, data = sample
    assert run_import(url, capsys)[0] == 0
    stored = {user.seed_user_id: user for user in UserRecord.scan()}
    alice, bob, carol, dave, admin = (
        stored[seed_user(data, key)["id"]] for key in ("alice", "bob", "carol", "dave", "admin")
    )
    assert alice.permissions == {"orders.add_order", "orders.view_order"}
    assert carol.permissions == {"orders.add_order", "orders.change_ticket"}, "the group's, flattened"
    assert bob.is_staff
    assert not bob.is_superuser
    assert bob.permissions == {"orders.add_order"}
    assert admin.is_superuser
    assert admin.is_staff
    assert "users.change_user" in admin.permissions
    assert not dave.is_active
    assert dave.legacy_token_digest is None
    assert bob.email == "bob.mixed@example.com"
    assert bob.email_as_typed == "Bob.Mixed@example.com"


def test_a_second_run_changes_nothing_and_a_status_changed_since_survives(
    api: Api, sample: tuple[str, dict], capsys: pytest.CaptureFixture[str]
) -> None:
    url, data = sample
    assert run_import(url, capsys)[0] == 0
    ticket = next(t for order in data["orders"] for t in order["tickets"] if t["status"] == "NEW")
    assert api.post(f"/api/orders/tickets/{ticket['code']}/update-status/", {"status": "DONE"}).status_code == 200
    before = all_items()

    status, out, _err = run_import(url, capsys)
    assert status == 0
    assert summary_counts(out) == {"users": (0, 5, 0), "orders": (0, 8, 0), "tickets": (0, 12, 0)}
    assert all_items() == before
    stored = next(t for t in TicketRecord.scan() if t.ticket_code == ticket["code"])
    assert stored.status == "DONE"


def test_a_dry_run_writes_nothing_and_reports_what_a_run_would(
    aws: None, sample: tuple[str, dict], capsys: pytest.CaptureFixture[str]
) -> None:
    url, _data = sample
    status, out, _err = run_import(url, capsys, dry_run=True)
    assert status == 0
    assert all_items() == []
    assert "dry run" in out
    _status, real, _err = run_import(url, capsys)
    assert (
        summary_counts(out) == summary_counts(real) == {"users": (5, 0, 0), "orders": (8, 0, 0), "tickets": (12, 0, 0)}
    )


def test_a_password_change_and_a_deactivation_revoke_the_seed_token(
    api: Api, sample: tuple[str, dict], capsys: pytest.CaptureFixture[str]
) -> None:
    url, data = sample
    assert run_import(url, capsys)[0] == 0
    alice, carol = seed_user(data, "alice"), seed_user(data, "carol")
    changed = api.post(
        "/api/users/change-password/",
        {"current_password": alice["password"], "new_password": "a-new-and-long-passphrase-9"},
        token=alice["token"],
    )
    assert changed.status_code == 200, changed.json_body
    assert api.get("/api/orders/", token=alice["token"]).status_code == 401

    admin = seed_user(data, "admin")
    admin_token = login(api, admin["email"], admin["password"]).json_body["token"]
    carol_id = UserRecord.get("carol@example.com").user_id
    response = api.patch(f"/api/admin/users/{carol_id}", {"is_active": False}, token=admin_token)
    assert response.status_code == 200, response.json_body
    assert api.get("/api/orders/", token=carol["token"]).status_code == 401
    reactivated = api.patch(f"/api/admin/users/{carol_id}", {"is_active": True}, token=admin_token)
    assert reactivated.status_code == 200
    assert api.get("/api/orders/", token=carol["token"]).status_code == 401, "a deactivation's revocation holds"


def test_legacy_tokens_can_be_turned_off(api: Api, sample: tuple[str, dict], capsys, reconfigure) -> None:
    url, data = sample
    assert run_import(url, capsys)[0] == 0
    bob = seed_user(data, "bob")
    assert api.get("/api/orders/", token=bob["token"]).status_code == 200
    reconfigure(legacy_tokens_enabled=False)
    assert api.get("/api/orders/", token=bob["token"]).status_code == 401
    assert api.get("/api/orders/", token="0" * 40).status_code == 401


def test_only_the_digest_of_a_seed_token_is_stored(aws: None, sample: tuple[str, dict], capsys) -> None:
    url, data = sample
    assert run_import(url, capsys)[0] == 0
    stored = repr(all_items())
    for user in data["users"]:
        if user["token"]:
            assert user["token"] not in stored


# Generated databases


def test_every_default_django_hasher_verifies_and_an_unusable_password_never_does(api: Api, write_seed, capsys) -> None:
    seed = GeneratedSeed()
    passwords = {}
    for algorithm in HASHER_ALGORITHMS:
        email = f"{algorithm}@example.com"
        passwords[email] = f"pass-{algorithm}-{secrets.token_hex(4)}"
        seed.add_user(email, django_hash(passwords[email], algorithm))
    seed.add_user("unusable@example.com", django_hash(None))
    status, out, _err = run_import(write_seed(seed), capsys)
    assert status == 0, out
    for email, password in passwords.items():
        assert login(api, email, password + "x").status_code == 401, email
        assert login(api, email, password).status_code == 200, email
        assert UserRecord.get(email).password_hash.startswith("$argon2id$")
    assert login(api, "unusable@example.com", "").status_code in {400, 401}
    assert login(api, "unusable@example.com", UserRecord.get("unusable@example.com").password_hash).status_code == 401


def test_emails_that_differ_only_in_case_keep_the_active_then_oldest_and_report_the_others(
    api: Api, write_seed, capsys
) -> None:
    seed = GeneratedSeed()
    old = seed.add_user("Sam@Example.com", django_hash("sam-old-pass-1"), is_active=False)
    active = seed.add_user("sam@example.com", django_hash("sam-new-pass-2"), token="a" * 40)
    other = seed.add_user("SAM@example.com", django_hash("sam-third-pass-3"))
    orphaned_order = seed.add_order(other, [("NEW", ["SKU-1"])])
    url = write_seed(seed)
    status, out, _err = run_import(url, capsys)
    assert status == 1
    assert summary_counts(out)["users"] == (1, 0, 2)
    assert f"refused: users {old}: email Sam@Example.com is seed user {active}'s too" in out
    assert f"refused: users {other}: email SAM@example.com is seed user {active}'s too" in out
    assert UserRecord.get("sam@example.com").seed_user_id == active
    assert login(api, "SAM@EXAMPLE.COM", "sam-new-pass-2").status_code == 200
    assert "order whose owner was refused" in out
    assert OrderRecord.get(f"ORDER#{orphaned_order}", "ORDER").owner_id is None
    # Run again: the same refusals, nothing else written.
    before = all_items()
    status, again, _err = run_import(url, capsys)
    assert status == 1
    assert summary_counts(again) == {"users": (0, 1, 2), "orders": (0, 1, 0), "tickets": (0, 1, 0)}
    assert all_items() == before


def test_orders_move_as_stored_without_owner_with_their_counts_and_large_ones_whole(
    api: Api, write_seed, capsys
) -> None:
    seed = GeneratedSeed()
    owner = seed.add_user("owner@example.com", django_hash("owner-pass-123"), token="b" * 40)
    odd_phone = seed.add_order(owner, [("DONE", ["A"]), ("NEW", [])], customer_phone="call me: 555", comment="x;\t'y'")
    ownerless = seed.add_order(None, [("IN_PROGRESS", ["B"])])
    large = seed.add_order(owner, [("NEW", [f"SKU-{n}"]) for n in range(150)])
    status, out, _err = run_import(write_seed(seed), capsys)
    assert status == 0, out
    assert summary_counts(out) == {"users": (1, 0, 0), "orders": (3, 0, 0), "tickets": (153, 0, 0)}
    assert f"customer phone that today's order form would refuse: kept as it is: 1 (seed ids {odd_phone})" in out
    assert f"order without an owner (deleted in the seed): only the admin sees it: 1 (seed ids {ownerless})" in out

    assert orders_of(api, "b" * 40) == [odd_phone, large]
    detail = api.get(f"/api/orders/{odd_phone}/", token="b" * 40).json_body
    assert detail["customer_phone"] == "call me: 555"
    assert detail["comment"] == "x;\t'y'"
    assert detail["status"] == "PROCESSING"
    assert detail["ticket_count"] == 2
    big = api.get(f"/api/orders/{large}/", token="b" * 40).json_body
    assert big["ticket_count"] == 150
    assert len(big["tickets"]) == 150
    assert big["status"] == "PENDING"
    stored = OrderRecord.get(f"ORDER#{ownerless}", "ORDER")
    assert stored.owner_id is None
    assert stored.status == "PROCESSING"


def test_an_import_killed_midway_leaves_no_order_half_written_and_a_second_run_completes(
    api: Api, write_seed, capsys
) -> None:
    seed = GeneratedSeed()
    owner = seed.add_user("owner@example.com", django_hash("owner-pass-123"), token="c" * 40)
    large = seed.add_order(owner, [("NEW", [f"SKU-{n}"]) for n in range(120)])
    url = write_seed(seed)
    died = Fault("dynamodb", "BatchWriteItem", "", "killed after the call committed", times=1, after_send=ProcessDied)
    with faults(died), pytest.raises(ProcessDied):
        run_import(url, capsys)
    assert any(True for _ticket in TicketRecord.scan(limit=1)), "some tickets were written"
    assert api.get(f"/api/orders/{large}/", token="c" * 40).status_code == 404
    code = next(iter(TicketRecord.scan())).ticket_code
    assert api.post(f"/api/orders/tickets/{code}/update-status/", {"status": "DONE"}).status_code == 404

    status, out, _err = run_import(url, capsys)
    assert status == 0, out
    assert summary_counts(out)["orders"] == (1, 0, 0)
    assert len(api.get(f"/api/orders/{large}/", token="c" * 40).json_body["tickets"]) == 120


def test_rows_that_cannot_be_stored_are_refused_with_their_reasons(aws: None, write_seed, capsys) -> None:
    seed = GeneratedSeed()
    seed.add_user("", django_hash("no-email-pass-1"))
    owner = seed.add_user("fine@example.com", django_hash("fine-pass-1234"))
    bad_status = seed.add_order(owner, [("NEW", ["A"]), ("LOST", ["B"])])
    fine = seed.add_order(owner, [("NEW", ["C"])])
    seed.orders.append({**seed.orders[-1], "id": SEED_ORDER_ID_LIMIT})
    seed.user_permissions.append((owner, "orders.delete_order"))
    status, out, _err = run_import(write_seed(seed), capsys)
    assert status == 1
    assert "refused: users 1: no email address" in out
    assert f"refused: orders {bad_status}: ticket 2: status 'LOST' is not one of" in out
    assert f"refused: tickets 1: its order {bad_status} was refused" in out
    assert f"refused: orders {SEED_ORDER_ID_LIMIT}: id outside 1 to" in out
    assert f"warning: permission orders.delete_order is not Catalyst's: dropped: 1 (seed ids {owner})" in out
    assert summary_counts(out)["orders"] == (1, 0, 2)
    assert [int(order.order_id) for order in OrderRecord.scan()] == [fine]


def test_an_imported_order_publishes_no_event_but_a_later_change_does(
    api: Api, sample: tuple[str, dict], capsys
) -> None:
    url, data = sample
    assert run_import(url, capsys)[0] == 0
    order = data["orders"][0]
    arrived = raw_order(order["id"])
    assert events_of(stream_record(None, arrived)) == []
    ticket = next(t for t in order["tickets"] if t["status"] != "DONE")
    assert api.post(f"/api/orders/tickets/{ticket['code']}/update-status/", {"status": "DONE"}).status_code == 200
    changed = events_of(
        stream_record(
            raw_ticket(order["id"], ticket["code"]) | {"status": {"S": ticket["status"]}},
            raw_ticket(order["id"], ticket["code"]),
        )
    )
    assert [(event["type"], event["to_status"]) for event in changed] == [("ticket.status_changed", "DONE")]


# Bad input: a clear line, exit status 2, nothing written


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://user@host/db", "unsupported database URL scheme 'mysql'"),
        ("sqlite:///no/such/file.sqlite3", "no SQLite database at no/such/file.sqlite3"),
        ("postgresql://nobody@127.0.0.1:1/seed", "cannot connect to the PostgreSQL database"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(url: str, message: str, capsys, aws) -> None:
    status, out, err = run_import(url, capsys)
    assert status == 2
    assert err.startswith(f"Error: {message}")
    assert err.count("\n") == 1
    assert out == ""
    assert all_items() == []


def test_a_database_that_is_not_the_seeds_is_refused(tmp_path: Path, capsys, aws) -> None:
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).executescript("CREATE TABLE users_user (id integer);")
    status, _out, err = run_import(f"sqlite:///{other}", capsys)
    assert status == 2
    assert err.startswith("Error: not the seed's database: users_user (")
    assert all_items() == []


def test_another_seed_database_with_the_same_ids_is_refused_not_taken_for_already_there(
    aws: None, postgresql: PostgreSQL, tmp_path: Path, capsys
) -> None:
    assert run_import(copy_sqlite_sample(tmp_path), capsys)[0] == 0
    before = all_items()
    other = postgresql.create_database(_database_name(), sql_file=POSTGRESQL_SAMPLE)
    status, out, _err = run_import(other, capsys)
    assert status == 1
    assert summary_counts(out) == {"users": (0, 0, 5), "orders": (0, 0, 8), "tickets": (0, 0, 12)}
    assert "refused: orders 1: its id is taken by an order imported from another seed database" in out
    assert all_items() == before
