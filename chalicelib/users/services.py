"""Writes and checks on users: registration, login, passwords, account changes."""

import uuid
from datetime import UTC, datetime

from pynamodb.exceptions import PutError, UpdateError

from chalicelib.config import settings
from chalicelib.errors import Conflict, InvalidCredentials, InvalidInput, InvalidState
from chalicelib.storage import is_condition_failure
from chalicelib.users.domain import normalize_email, password_problems
from chalicelib.users.login_attempts import login_attempt_reserve, login_attempts_clear
from chalicelib.users.models import UserRecord
from chalicelib.users.passwords import hash_password, spend_verification_time, verify_password
from chalicelib.users.permissions import ALL_PERMISSIONS
from chalicelib.users.selectors import user_get_by_email
from chalicelib.users.tokens import token_issue

EMAIL_TAKEN = "user with this email already exists."


def _check_password(password: str, *, email: str, first_name: str = "", last_name: str = "") -> None:
    problems = password_problems(password, email=email, first_name=first_name, last_name=last_name)
    if problems:
        raise InvalidInput({"password": problems})


def user_register(
    *, email: str, password: str, first_name: str = "", last_name: str = "", superuser: bool = False
) -> UserRecord:
    """A new account with the configured default permissions, or a superuser
    (staff, every permission) for createsuperuser."""
    email = normalize_email(email)
    _check_password(password, email=email, first_name=first_name, last_name=last_name)
    user = UserRecord(
        email=email,
        user_id=uuid.uuid4().hex,
        password_hash=hash_password(password),
        first_name=first_name,
        last_name=last_name,
        is_staff=superuser,
        is_superuser=superuser,
        permissions=set(ALL_PERMISSIONS if superuser else settings.default_permissions),
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
    """The account these credentials open; failures are counted per email."""
    email = normalize_email(email)
    login_attempt_reserve(email=email)
    user = user_get_by_email(email=email)
    if user is None:
        spend_verification_time(password)
    elif verify_password(user.password_hash, password) and user.is_active:
        login_attempts_clear(email=email)
        return user
    raise InvalidCredentials()


def user_change_password(*, user: UserRecord, current_password: str, new_password: str) -> UserRecord:
    """Set a new password; every token issued before stops working. Guesses
    at the current password count against the same limit as logins."""
    login_attempt_reserve(email=user.email)
    if not verify_password(user.password_hash, current_password):
        raise InvalidInput({"current_password": ["Your old password was entered incorrectly."]})
    login_attempts_clear(email=user.email)
    _check_password(new_password, email=user.email, first_name=user.first_name, last_name=user.last_name)
    try:
        user.update(
            actions=[
                UserRecord.password_hash.set(hash_password(new_password)),
                UserRecord.token_version.add(1),
            ],
            condition=UserRecord.token_version == user.token_version,
        )
    except UpdateError as error:
        if is_condition_failure(error):
            raise InvalidState("The account changed meanwhile. Log in again and retry.") from None
        raise
    return user


def user_issue_token(*, user: UserRecord) -> str:
    return token_issue(user_id=user.user_id, email=user.email, token_version=int(user.token_version))
