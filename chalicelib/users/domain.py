"""User rules as plain Python: email normalization and Django's default
password validators (length, numeric, common, similarity)."""

import gzip
import re
import unicodedata
from functools import cache
from pathlib import Path

MIN_PASSWORD_LENGTH = 8
MAX_SIMILARITY = 0.7
# Django's list of 20,000 common passwords (BSD licence), lowercased.
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")


# RFC 5321: a mailbox's local part has at most 64 octets.
MAX_EMAIL_LOCAL_PART_LENGTH = 64


def normalize_email(email: str) -> str:
    """The account's key: emails are unique whatever their case or Unicode form.

    NFKC folds compatibility forms (the ligature "ﬁ" is "fi"), then case
    folding makes "STRASSE" and "straße", or the two Greek final sigmas, one
    key. For ASCII addresses this is exactly lower(), the rule before it.
    """
    return unicodedata.normalize("NFKC", email.strip()).casefold()


@cache
def _common_passwords() -> frozenset[str]:
    # Loaded on first registration, not at import, to keep cold starts short.
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines)


def _exceeds_length_ratio(password: str, value: str) -> bool:
    """Django's shortcut: a value far shorter than the password cannot be similar."""
    return len(password) >= 10 * len(value) and len(value) < MAX_SIMILARITY / 2 * len(password)


def _too_similar(password: str, value: str) -> bool:
    # Imported here: difflib takes about 30 ms to import, and only a
    # registration or a password change needs it, not every cold start.
    from difflib import SequenceMatcher

    password = password.lower()
    value = value.lower()
    for part in [*re.split(r"\W+", value), value]:
        if not part or _exceeds_length_ratio(password, part):
            continue
        if SequenceMatcher(a=password, b=part).quick_ratio() >= MAX_SIMILARITY:
            return True
    return False


def password_problems(password: str, *, email: str, first_name: str = "", last_name: str = "") -> list[str]:
    """Every rule the password breaks, in Django's words; empty when it is acceptable."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"This password is too short. It must contain at least {MIN_PASSWORD_LENGTH} characters.")
    if password.isdigit():
        problems.append("This password is entirely numeric.")
    if password.lower().strip() in _common_passwords():
        problems.append("This password is too common.")
    for label, value in (("first name", first_name), ("last name", last_name), ("email address", email)):
        if value and _too_similar(password, value):
            problems.append(f"The password is too similar to the {label}.")
            break
    return problems
