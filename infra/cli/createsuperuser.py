"""python -m infra.cli createsuperuser [--email E] [--no-input]: Django's command, on our users table."""

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter, ValidationError

from chalicelib.errors import Conflict, InvalidInput
from chalicelib.users.domain import normalize_email
from chalicelib.users.schemas import Email, RegisterRequest
from chalicelib.users.selectors import user_get_by_email
from chalicelib.users.services import user_register
from chalicelib.web.requests import validate
from chalicelib.web.validation import field_errors

# Django's DJANGO_SUPERUSER_PASSWORD, for createsuperuser --no-input.
SUPERUSER_PASSWORD_VARIABLE = "CATALYST_SUPERUSER_PASSWORD"  # noqa: S105 (a variable's name)


def add_parser(commands: Any) -> None:
    createsuperuser = commands.add_parser(
        "createsuperuser", help="create a superuser: staff, every permission (prompts unless --no-input)"
    )
    createsuperuser.add_argument("--email", help="the superuser's email (required with --no-input)")
    createsuperuser.add_argument(
        "--no-input",
        "--noinput",
        action="store_true",
        help=f"ask nothing; the password comes from {SUPERUSER_PASSWORD_VARIABLE}",
    )


def run(args: argparse.Namespace) -> int:
    if args.no_input:
        return createsuperuser_scripted(args.email)
    if not sys.stdin.isatty():
        print("createsuperuser prompts on a terminal; scripts use --email E --no-input", file=sys.stderr)
        return 2
    return createsuperuser_interactive(args.email)


def _register_superuser(email: str, password: str) -> dict[str, list[str]]:
    """Create the superuser; the field errors that refused it, empty on success."""
    try:
        # The register endpoint's checks (email format, lengths), then the service's (password rules, uniqueness).
        request = validate({"email": email, "password": password}, RegisterRequest)
        user_register(email=request.email, password=request.password, superuser=True)
    except (InvalidInput, Conflict) as error:
        return error.field_errors
    return {}


def _print_errors(errors: dict[str, list[str]]) -> None:
    for messages in errors.values():
        for message in messages:
            print(f"Error: {message}", file=sys.stderr)


def createsuperuser_scripted(email: str | None) -> int:
    password = os.environ.get(SUPERUSER_PASSWORD_VARIABLE)
    if not email or not password:
        print(f"createsuperuser --no-input needs --email and {SUPERUSER_PASSWORD_VARIABLE}", file=sys.stderr)
        return 2
    errors = _register_superuser(email, password)
    if errors:
        _print_errors(errors)
        return 1
    print("Superuser created successfully.")
    return 0


def _email_refusal(email: str) -> str | None:
    """Why this email cannot be the new superuser's, or None: checked before the password is asked."""
    if not email:
        return "This field cannot be blank."
    try:
        TypeAdapter(Email).validate_python(email)
    except ValidationError as error:
        return " ".join(message for messages in field_errors(error).values() for message in messages)
    if user_get_by_email(email=normalize_email(email)) is not None:
        return "That email address is already taken."
    return None


def _ask_email(ask: Callable[[str], str]) -> str:
    while True:
        email = ask("Email address: ").strip()
        refusal = _email_refusal(email)
        if refusal is None:
            return email
        print(f"Error: {refusal}", file=sys.stderr)


def _ask_password(ask_secret: Callable[[str], str]) -> str:
    while True:
        password = ask_secret("Password: ")
        if password != ask_secret("Password (again): "):
            print("Error: Your passwords didn't match.", file=sys.stderr)
        elif not password.strip():
            print("Error: Blank passwords aren't allowed.", file=sys.stderr)
        else:
            return password


def createsuperuser_interactive(
    email: str | None, *, ask: Callable[[str], str] = input, ask_secret: Callable[[str], str] = getpass.getpass
) -> int:
    """Django's dialogue: the email, the password twice, and each again after a refusal."""
    try:
        refusal = _email_refusal(email) if email else None
        if refusal:
            print(f"Error: {refusal}", file=sys.stderr)
            email = None
        while True:
            email = email or _ask_email(ask)
            errors = _register_superuser(email, _ask_password(ask_secret))
            if not errors:
                print("Superuser created successfully.")
                return 0
            _print_errors(errors)
            if "email" in errors:
                email = None
    except (EOFError, KeyboardInterrupt):
        print("\nOperation cancelled.", file=sys.stderr)
        return 1
