"""Seed databases for the import's tests and benchmark: the real samples the
seed service made (tests/support/seed/, copied from the seed's repository),
and generated ones on the seed's own schema, with password hashes made by
Django's own hashers, as the seed made them.
"""

import json
import shutil
import sqlite3
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SEED_FILES = Path(__file__).with_name("seed")
SQLITE_SAMPLE = SEED_FILES / "seed.sqlite3"
SQLITE_SAMPLE_DATA = SEED_FILES / "seed-data.json"
POSTGRESQL_SAMPLE = SEED_FILES / "seed-postgresql.sql"
POSTGRESQL_SAMPLE_DATA = SEED_FILES / "seed-data-postgresql.json"
SQLITE_SCHEMA = SEED_FILES / "schema-sqlite.sql"
POSTGRESQL_SCHEMA = SEED_FILES / "schema-postgresql.sql"

# Django's default PASSWORD_HASHERS (5.2), first = the one that makes new hashes.
DJANGO_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
HASHER_ALGORITHMS = ["pbkdf2_sha256", "pbkdf2_sha1", "argon2", "bcrypt_sha256", "scrypt"]


def sample_data(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def django_hash(password: str | None, algorithm: str = "pbkdf2_sha256") -> str:
    """What Django's make_password stores (None: an unusable password)."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(PASSWORD_HASHERS=DJANGO_HASHERS)
    from django.contrib.auth.hashers import make_password

    return make_password(password, hasher=algorithm)


@dataclass
class GeneratedSeed:
    """Rows for the seed's tables, written to SQLite or PostgreSQL as the seed would store them."""

    users: list[dict[str, Any]] = field(default_factory=list)
    tokens: list[dict[str, Any]] = field(default_factory=list)
    user_permissions: list[tuple[int, str]] = field(default_factory=list)  # (user id, "app.codename")
    groups: dict[str, list[str]] = field(default_factory=dict)  # name -> permissions
    memberships: list[tuple[int, str]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    start: datetime = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

    def add_user(self, email: str, password_hash: str, *, token: str | None = None, **flags: Any) -> int:
        user_id = len(self.users) + 1
        self.users.append(
            {
                "id": user_id,
                "password": password_hash,
                "last_login": None,
                "is_superuser": flags.get("is_superuser", False),
                "username": flags.get("username", email),
                "first_name": flags.get("first_name", ""),
                "last_name": flags.get("last_name", ""),
                "email": email,
                "is_staff": flags.get("is_staff", False),
                "is_active": flags.get("is_active", True),
                "date_joined": self.start + timedelta(minutes=user_id),
            }
        )
        if token:
            self.tokens.append({"key": token, "created": self.start, "user_id": user_id})
        return user_id

    def add_order(self, user_id: int | None, tickets: list[tuple[str, list[str]]], **fields: Any) -> int:
        order_id = len(self.orders) + 1
        created = self.start + timedelta(hours=order_id)
        self.orders.append(
            {
                "id": order_id,
                "created_at": created,
                "updated_at": created,
                "customer_name": fields.get("customer_name", f"Customer {order_id}"),
                "customer_phone": fields.get("customer_phone", "+1 202 555 0100"),
                "status": fields.get("status", "PENDING"),
                "comment": fields.get("comment", ""),
                "user_id": user_id,
            }
        )
        for status, product_codes in tickets:
            self.tickets.append(
                {
                    "id": len(self.tickets) + 1,
                    "created_at": created,
                    "updated_at": created + timedelta(minutes=5),
                    "code": fields.get("code_of", {}).get(len(self.tickets) + 1) or uuid.uuid4(),
                    "status": status,
                    "product_codes": product_codes,
                    "order_id": order_id,
                }
            )
        return order_id

    def _permission_rows(self) -> tuple[list[tuple], list[tuple], dict[str, int]]:
        names = sorted({name for _user, name in self.user_permissions} | {n for p in self.groups.values() for n in p})
        content_types = sorted({(name.split(".")[0], name.split(".")[1].split("_", 1)[1]) for name in names})
        type_ids = {label_model: index + 1 for index, label_model in enumerate(content_types)}
        permission_ids = {name: index + 1 for index, name in enumerate(names)}
        types = [(type_id, label, model) for (label, model), type_id in type_ids.items()]
        permissions = [
            (
                permission_ids[name],
                type_ids[(name.split(".")[0], name.split(".")[1].split("_", 1)[1])],
                name.split(".")[1],
                name,
            )
            for name in names
        ]
        return types, permissions, permission_ids

    def _rows(self, engine: str) -> list[tuple[str, list[str], list[tuple]]]:
        types, permissions, permission_ids = self._permission_rows()
        group_ids = {name: index + 1 for index, name in enumerate(self.groups)}

        def value(column: str, raw: Any) -> Any:
            if engine == "sqlite":
                if isinstance(raw, datetime):
                    return raw.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
                if isinstance(raw, uuid.UUID):
                    return raw.hex
                if column == "product_codes":
                    return json.dumps(raw)
            elif column == "product_codes":
                from psycopg.types.json import Jsonb

                return Jsonb(raw)
            return raw

        def table(name: str, rows: list[dict[str, Any]]) -> tuple[str, list[str], list[tuple]]:
            columns = list(rows[0]) if rows else []
            return name, columns, [tuple(value(column, row[column]) for column in columns) for row in rows]

        return [
            ("django_content_type", ["id", "app_label", "model"], types),
            ("auth_permission", ["id", "content_type_id", "codename", "name"], permissions),
            ("auth_group", ["id", "name"], [(group_id, name) for name, group_id in group_ids.items()]),
            (
                "auth_group_permissions",
                ["group_id", "permission_id"],
                [(group_ids[g], permission_ids[p]) for g, names in self.groups.items() for p in names],
            ),
            table("users_user", self.users),
            table("authtoken_token", self.tokens),
            (
                "users_user_user_permissions",
                ["user_id", "permission_id"],
                [(user, permission_ids[name]) for user, name in self.user_permissions],
            ),
            ("users_user_groups", ["user_id", "group_id"], [(user, group_ids[g]) for user, g in self.memberships]),
            table("orders_order", self.orders),
            table("orders_ticket", self.tickets),
        ]

    def write_sqlite(self, path: Path) -> str:
        connection = sqlite3.connect(path)
        connection.executescript(
            "\n".join(line for line in SQLITE_SCHEMA.read_text().splitlines() if "sqlite_sequence" not in line)
        )
        for name, columns, rows in self._rows("sqlite"):
            if rows:
                marks = ", ".join("?" * len(columns))
                connection.executemany(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", rows)  # noqa: S608
        connection.commit()
        connection.close()
        return f"sqlite:///{path}"

    def write_postgresql(self, url: str) -> str:
        import psycopg

        with psycopg.connect(url) as connection:
            for name, columns, rows in self._rows("postgresql"):
                if rows:
                    marks = ", ".join(["%s"] * len(columns))
                    with connection.cursor() as cursor:
                        cursor.executemany(
                            f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                            rows,
                        )
        return url


def copy_sqlite_sample(folder: Path) -> str:
    """The real sample, copied: the import opens it read-only, but a test must not risk the original."""
    target = folder / "seed.sqlite3"
    shutil.copyfile(SQLITE_SAMPLE, target)
    return f"sqlite:///{target}"
