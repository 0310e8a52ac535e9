"""`python -m infra.cli createsuperuser`, against moto: Django's dialogue, and
the scripted form with the password from the environment."""

from collections.abc import Callable, Iterator

import pytest

from chalicelib.users.permissions import ALL_PERMISSIONS
from chalicelib.users.selectors import user_get_by_email
from chalicelib.users.services import user_register
from infra.cli.createsuperuser import SUPERUSER_PASSWORD_VARIABLE, createsuperuser_interactive, createsuperuser_scripted
from tests.support.accounts import PASSWORD

pytestmark = pytest.mark.usefixtures("aws")


def answers(*replies: str) -> Callable[[str], str]:
    """A prompt that gives these replies in turn, then reports end of input."""
    remaining: Iterator[str] = iter(replies)

    def ask(prompt: str) -> str:
        try:
            return next(remaining)
        except StopIteration:
            raise EOFError from None

    return ask


def assert_superuser(email: str) -> None:
    user = user_get_by_email(email=email)
    assert user is not None
    assert user.is_staff
    assert user.is_superuser
    assert set(user.permissions) == ALL_PERMISSIONS


def test_the_dialogue_asks_again_until_the_password_passes_the_rules(capsys: pytest.CaptureFixture) -> None:
    code = createsuperuser_interactive(
        None,
        ask=answers("Boss@Example.com"),
        ask_secret=answers("12345", "12345", PASSWORD, "a typo", "", "", PASSWORD, PASSWORD),
    )

    assert code == 0
    output = capsys.readouterr()
    assert output.err.splitlines() == [
        "Error: This password is too short. It must contain at least 8 characters.",
        "Error: This password is entirely numeric.",
        "Error: This password is too common.",
        "Error: Your passwords didn't match.",
        "Error: Blank passwords aren't allowed.",
    ]
    assert output.out == "Superuser created successfully.\n"
    assert_superuser("boss@example.com")


def test_the_dialogue_asks_again_for_a_taken_or_invalid_email(capsys: pytest.CaptureFixture) -> None:
    user_register(email="taken@example.com", password=PASSWORD)

    code = createsuperuser_interactive(
        "TAKEN@example.com",
        ask=answers("", "not an email", "boss@example.com"),
        ask_secret=answers(PASSWORD, PASSWORD),
    )

    assert code == 0
    assert capsys.readouterr().err.splitlines() == [
        "Error: That email address is already taken.",
        "Error: This field cannot be blank.",
        "Error: Enter a valid email address.",
    ]
    assert_superuser("boss@example.com")
    assert not user_get_by_email(email="taken@example.com").is_superuser


def test_the_dialogue_can_be_cancelled(capsys: pytest.CaptureFixture) -> None:
    assert createsuperuser_interactive(None, ask=answers(), ask_secret=answers()) == 1
    assert "Operation cancelled." in capsys.readouterr().err


def test_the_scripted_form_takes_the_password_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv(SUPERUSER_PASSWORD_VARIABLE, PASSWORD)

    assert createsuperuser_scripted("ops@example.com") == 0

    assert capsys.readouterr().out == "Superuser created successfully.\n"
    assert_superuser("ops@example.com")
    assert createsuperuser_scripted("ops@example.com") == 1
    assert capsys.readouterr().err == "Error: user with this email already exists.\n"


def test_the_scripted_form_refuses_a_weak_or_missing_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.delenv(SUPERUSER_PASSWORD_VARIABLE, raising=False)
    assert createsuperuser_scripted("ops@example.com") == 2
    assert SUPERUSER_PASSWORD_VARIABLE in capsys.readouterr().err

    monkeypatch.setenv(SUPERUSER_PASSWORD_VARIABLE, "password")
    assert createsuperuser_scripted("ops@example.com") == 1
    assert capsys.readouterr().err == "Error: This password is too common.\n"
    assert user_get_by_email(email="ops@example.com") is None
