"""Integrators and their signing keys: python -m infra.cli integrator create|list|rotate|revoke.

create and rotate print a key id and its secret once; nothing shows the secret
again, nor logs it. With --json, each prints one line for scripts:
{"name": ..., "key_id": ..., "secret": ...}; list prints one JSON line per key.
"""

import argparse
import json
import sys
from typing import Any

from chalicelib.errors import Conflict, InvalidInput, NotFound
from chalicelib.integrators.selectors import signing_keys_all
from chalicelib.integrators.services import IssuedKey, integrator_create, integrator_rotate, signing_key_revoke


def add_parser(commands: Any) -> None:
    integrator = commands.add_parser("integrator", help="make, list, rotate and revoke integrators' signing keys")
    actions = integrator.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="a new integrator and its first key (the secret is shown once)")
    create.add_argument("--name", required=True, help="unique; lower-case letters, digits and '-'")
    rotate = actions.add_parser("rotate", help="another key for an integrator; its older keys keep working")
    rotate.add_argument("--name", required=True)
    revoke = actions.add_parser("revoke", help="stop a key from signing, from the next request on")
    revoke.add_argument("--key-id", required=True)
    listing = actions.add_parser("list", help="every key: integrator, key id, created, last used, revoked")
    for action in (create, rotate, listing):
        action.add_argument("--json", action="store_true", help="JSON lines, for scripts")


def run(args: argparse.Namespace) -> int:
    try:
        if args.action == "create":
            return _print_issued(integrator_create(name=args.name), as_json=args.json)
        if args.action == "rotate":
            return _print_issued(integrator_rotate(name=args.name), as_json=args.json)
        if args.action == "revoke":
            revoked = signing_key_revoke(key_id=args.key_id)
            print(f"Revoked {revoked.key_id} of {revoked.name} (at {revoked.revoked_at.isoformat()}).")
            return 0
        return _print_keys(as_json=args.json)
    except (InvalidInput, Conflict) as error:
        for messages in error.field_errors.values():
            for message in messages:
                print(f"Error: {message}", file=sys.stderr)
        return 1
    except NotFound as error:
        print(f"Error: {error.detail}", file=sys.stderr)
        return 1


def _print_issued(issued: IssuedKey, *, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"name": issued.name, "key_id": issued.key_id, "secret": issued.secret}))
        return 0
    print(f"Integrator  {issued.name}")
    print(f"Key id      {issued.key_id}")
    print(f"Secret      {issued.secret}")
    print("The secret is shown this once: give it to the integrator now. It signs Catalyst-Signature (see the README).")
    return 0


def _moment(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _print_keys(*, as_json: bool) -> int:
    keys = sorted(signing_keys_all(), key=lambda key: (key.name, key.created_at))
    rows = [
        {
            "name": key.name,
            "key_id": key.key_id,
            "created_at": _moment(key.created_at),
            "last_used_at": _moment(key.last_used_at),
            "revoked_at": _moment(key.revoked_at),
        }
        for key in keys
    ]
    if as_json:
        for row in rows:
            print(json.dumps(row))
        return 0
    if not rows:
        print("No integrators yet: python -m infra.cli integrator create --name NAME")
        return 0
    columns = ("name", "key_id", "created_at", "last_used_at", "revoked_at")
    widths = {column: max(len(column), *(len(row[column] or "-") for row in rows)) for column in columns}
    print("  ".join(column.ljust(widths[column]) for column in columns).rstrip())
    for row in rows:
        print("  ".join((row[column] or "-").ljust(widths[column]) for column in columns).rstrip())
    return 0
