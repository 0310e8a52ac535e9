"""Request and response bodies of the users API."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=150)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Email = Annotated[EmailStr, StringConstraints(max_length=254)]


class RegisterRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    email: Email
    password: Password
    first_name: Name = ""
    last_name: Name = ""


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    email: Email
    password: Password


class TokenResponse(BaseModel):
    token: str
