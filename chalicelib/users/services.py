"""Writes and checks on users: registration and login."""

import uuid
from datetime import UTC, datetime

from pynamodb.exceptions import PutError

from chalicelib.errors import Conflict, InvalidCredentials, InvalidInput
from chalicelib.storage import is_condition_failure
from chalicelib.users.domain import normalize_email, password_problems
from chalicelib.users.models import UserRecord
from chalicelib.users.passwords import hash_password, spend_verification_time, verify_password
from chalicelib.users.selectors import user_get_by_email
from chalicelib.users.tokens import token_issue

EMAIL_TAKEN = "user with this email already exists."


def user_register(*, email: str, password: str, first_name: str = "", last_name: str = "") -> UserRecord:
    email = normalize_email(email)
    problems = password_problems(password, email=email, first_name=first_name, last_name=last_name)
    if problems:
        raise InvalidInput({"password": problems})
    user = UserRecord(
        email=email,
        user_id=uuid.uuid4().hex,
        password_hash=hash_password(password),
        first_name=first_name,
        last_name=last_name,
        created_at=datetime.now(UTC),
    )
    try:
        # The condition makes concurrent registrations of one email race-safe.
        user.save(condition=UserRecord.email.does_not_exist())
    except PutError as error:
        if is_condition_failure(error):
            raise Conflict({"email": [EMAIL_TAKEN]}) from None
        raise
    return user


def user_authenticate_credentials(*, email: str, password: str) -> UserRecord:
    user = user_get_by_email(email=normalize_email(email))
    if user is None:
        spend_verification_time(password)
        raise InvalidCredentials()
    if not verify_password(user.password_hash, password) or not user.is_active:
        raise InvalidCredentials()
    return user


def user_issue_token(*, user: UserRecord) -> str:
    return token_issue(user_id=user.user_id, email=user.email, token_version=int(user.token_version))
