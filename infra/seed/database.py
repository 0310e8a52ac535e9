"""The seed's database, read as it is: PostgreSQL through psycopg 3, or SQLite.

Every table is streamed through a server-side cursor (a named cursor on
PostgreSQL; SQLite's cursors step through the file), so memory stays flat
whatever the database's size. PostgreSQL reads in one read-only REPEATABLE
READ transaction: every query sees the same snapshot, even while the seed
keeps serving. The SQLite file is opened read-only.

Rows come out in plain Python whatever the engine: booleans, aware UTC
datetimes, canonical ticket codes, product codes as a list.
"""

import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# The columns the import reads, by table: a database without them is not the seed's.
SEED_COLUMNS = {
    "users_user": (
        "id",
        "password",
        "last_login",
        "is_superuser",
        "first_name",
        "last_name",
        "email",
        "is_staff",
        "is_active",
        "date_joined",
    ),
    "users_user_groups": ("user_id", "group_id"),
    "users_user_user_permissions": ("user_id", "permission_id"),
    "auth_group_permissions": ("group_id", "permission_id"),
    "auth_permission": ("id", "content_type_id", "codename"),
    "django_content_type": ("id", "app_label"),
    "authtoken_token": ("key", "user_id"),
    "orders_order": (
        "id",
        "created_at",
        "updated_at",
        "customer_name",
        "customer_phone",
        "status",
        "comment",
        "user_id",
    ),
    "orders_ticket": ("id", "created_at", "updated_at", "code", "status", "product_codes", "order_id"),
}
POSTGRESQL_SCHEMES = frozenset({"postgres", "postgresql"})
SQLITE_PREFIX = "sqlite:///"
# Rows fetched per round trip of a PostgreSQL server-side cursor.
ROWS_PER_FETCH = 2_000
CONNECT_TIMEOUT_SECONDS = 10

# Active accounts first, then the oldest: the order in which users are
# imported, so that of two seed accounts whose emails differ only in case,
# the active one (else the older) keeps the email.
USERS = """
SELECT u.id, u.email, u.password, u.first_name, u.last_name, u.is_active, u.is_staff,
       u.is_superuser, u.date_joined, t.key
FROM users_user u LEFT JOIN authtoken_token t ON t.user_id = u.id
ORDER BY u.is_active DESC, u.id
"""
# Each user's permissions, their own and their groups', by app label and
# codename (ids differ between databases), in the users' order.
PERMISSIONS = """
SELECT u.is_active, u.id, ct.app_label, p.codename
FROM users_user u
JOIN users_user_user_permissions up ON up.user_id = u.id
JOIN auth_permission p ON p.id = up.permission_id
JOIN django_content_type ct ON ct.id = p.content_type_id
UNION
SELECT u.is_active, u.id, ct.app_label, p.codename
FROM users_user u
JOIN users_user_groups ug ON ug.user_id = u.id
JOIN auth_group_permissions gp ON gp.group_id = ug.group_id
JOIN auth_permission p ON p.id = gp.permission_id
JOIN django_content_type ct ON ct.id = p.content_type_id
ORDER BY 1 DESC, 2
"""
ORDERS = """
SELECT id, user_id, customer_name, customer_phone, comment, status, created_at, updated_at
FROM orders_order ORDER BY id
"""
TICKETS = """
SELECT order_id, id, code, status, product_codes, created_at, updated_at
FROM orders_ticket ORDER BY order_id, id
"""


class SeedDatabaseError(Exception):
    """The database cannot be read as the seed's: a one-line reason."""


@dataclass(frozen=True)
class SeedUser:
    seed_id: int
    email: str
    password_hash: str
    first_name: str
    last_name: str
    is_active: bool
    is_staff: bool
    is_superuser: bool
    date_joined: datetime
    token: str | None


@dataclass(frozen=True)
class SeedOrder:
    seed_id: int
    owner_seed_id: int | None
    customer_name: str
    customer_phone: str
    comment: str
    status: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SeedTicket:
    order_seed_id: int
    seed_id: int
    code: str
    status: str
    product_codes: Any  # a list of strings in every seed database; checked by the import
    created_at: datetime
    updated_at: datetime


def _moment(value: datetime | str) -> datetime:
    """Django stores UTC: aware on PostgreSQL, naive text on SQLite."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _ticket_code(value: uuid.UUID | str) -> str:
    """Canonical (hyphenated) whatever the engine: SQLite stores 32 hex digits, PostgreSQL a uuid."""
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))


def _product_codes(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


class SeedDatabase:
    """One open seed database; rows as dataclasses, each query a stream."""

    def __init__(self, connection: Any, *, named_cursors: bool, errors: type[Exception]) -> None:
        self._connection = connection
        self._named_cursors = named_cursors
        # The engine's own error class, which a lost connection raises mid-stream too.
        self.errors = errors
        self._streams = 0

    def _rows(self, query: str) -> Iterator[tuple]:
        if self._named_cursors:
            self._streams += 1
            with self._connection.cursor(name=f"seed_stream_{self._streams}") as cursor:
                cursor.itersize = ROWS_PER_FETCH
                cursor.execute(query)
                yield from cursor
        else:
            yield from self._connection.execute(query)

    def count(self, table: str) -> int:
        return next(iter(self._connection.execute(f"SELECT COUNT(*) FROM {table}")))[0]  # noqa: S608 - our constant

    def users(self) -> Iterator[SeedUser]:
        for row in self._rows(USERS):
            seed_id, email, password, first, last, active, staff, superuser, joined, token = row
            yield SeedUser(
                seed_id=int(seed_id),
                email=email,
                password_hash=password,
                first_name=first,
                last_name=last,
                is_active=bool(active),
                is_staff=bool(staff),
                is_superuser=bool(superuser),
                date_joined=_moment(joined),
                token=token,
            )

    def permissions(self) -> Iterator[tuple[bool, int, str]]:
        """(is_active, user id, "app_label.codename"), in the users' order."""
        for active, user_id, app_label, codename in self._rows(PERMISSIONS):
            yield bool(active), int(user_id), f"{app_label}.{codename}"

    def orders(self) -> Iterator[SeedOrder]:
        for seed_id, owner, name, phone, comment, status, created, updated in self._rows(ORDERS):
            yield SeedOrder(
                seed_id=int(seed_id),
                owner_seed_id=None if owner is None else int(owner),
                customer_name=name,
                customer_phone=phone,
                comment=comment,
                status=status,
                created_at=_moment(created),
                updated_at=_moment(updated),
            )

    def tickets(self) -> Iterator[SeedTicket]:
        """Every ticket, by order then id. A code or product list that cannot
        be read is passed on as it is, for the import to refuse."""
        for order_id, seed_id, code, status, product_codes, created, updated in self._rows(TICKETS):
            try:
                canonical, codes = _ticket_code(code), _product_codes(product_codes)
            except (ValueError, TypeError):
                canonical, codes = str(code), None
            yield SeedTicket(
                order_seed_id=int(order_id),
                seed_id=int(seed_id),
                code=canonical,
                status=status,
                product_codes=codes,
                created_at=_moment(created),
                updated_at=_moment(updated),
            )

    def check_schema(self) -> None:
        """Every table and column the import reads exists; else SeedDatabaseError."""
        for table, columns in SEED_COLUMNS.items():
            try:
                self._connection.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE 1 = 0")  # noqa: S608
            except self.errors as error:
                self._rollback()
                raise SeedDatabaseError(
                    f"not the seed's database: {table} ({', '.join(columns)}) cannot be read: {first_line(error)}"
                ) from None

    def _rollback(self) -> None:
        if self._named_cursors:
            self._connection.rollback()


def first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _sqlite_path(url: str) -> Path:
    """sqlite:///relative/path or sqlite:////absolute/path, as Django's DATABASE_URL spells them."""
    path = Path(url.removeprefix(SQLITE_PREFIX))
    if not path.is_file():
        hint = "" if path.is_absolute() else f" (relative to {Path.cwd()}; an absolute path takes four slashes)"
        raise SeedDatabaseError(f"no SQLite database at {path}{hint}")
    return path


@contextmanager
def open_seed_database(url: str) -> Iterator[SeedDatabase]:
    """The seed's database at `url`, checked to be the seed's, read-only."""
    scheme = urlsplit(url).scheme.lower()
    if url.startswith(SQLITE_PREFIX):
        path = _sqlite_path(url)
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            database = SeedDatabase(connection, named_cursors=False, errors=sqlite3.Error)
            database.check_schema()
            yield database
        finally:
            connection.close()
        return
    if scheme not in POSTGRESQL_SCHEMES:
        raise SeedDatabaseError(
            f"unsupported database URL scheme {scheme or '(none)'!r}: use postgres://, postgresql:// or sqlite:///"
        )
    import psycopg

    try:
        connection = psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_SECONDS)
    except psycopg.Error as error:
        raise SeedDatabaseError(f"cannot connect to the PostgreSQL database: {first_line(error)}") from None
    try:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        database = SeedDatabase(connection, named_cursors=True, errors=psycopg.Error)
        database.check_schema()
        yield database
    finally:
        connection.close()
