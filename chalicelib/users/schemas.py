"""Request and response bodies of the users API."""

from typing import Annotated

from pydantic import EmailStr, StringConstraints

from chalicelib.schema import Schema

Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=150)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Email = Annotated[EmailStr, StringConstraints(max_length=254)]


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
