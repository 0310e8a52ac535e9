"""Request and response bodies of the users API."""

from typing import Annotated

from pydantic import AfterValidator, EmailStr, StringConstraints

from chalicelib.users.domain import MAX_EMAIL_LOCAL_PART_LENGTH
from chalicelib.web.validation import Schema


def _local_part_within_limit(email: str) -> str:
    if len(email.rpartition("@")[0]) > MAX_EMAIL_LOCAL_PART_LENGTH:
        # The message that the error mapping turns into Django's "Enter a valid email address."
        raise ValueError(f"value is not a valid email address: the local part exceeds {MAX_EMAIL_LOCAL_PART_LENGTH}")
    return email


Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=150)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Email = Annotated[EmailStr, StringConstraints(max_length=254), AfterValidator(_local_part_within_limit)]


class RegisterRequest(Schema):
    email: Email
    password: Password
    first_name: Name = ""
    last_name: Name = ""


class LoginRequest(Schema):
    email: Email
    password: Password


class TokenResponse(Schema):
    token: str


class ChangePasswordRequest(Schema):
    current_password: Password
    new_password: Password
