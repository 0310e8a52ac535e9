"""Writes and checks on users: registration, login, passwords, account changes."""

import uuid
from datetime import UTC, datetime

from pynamodb.exceptions import PutError, UpdateError

from chalicelib.config import settings
from chalicelib.errors import Conflict, InvalidCredentials, InvalidInput, InvalidState, TooManyRequests
from chalicelib.observability import Metric, logger, publish_metrics
from chalicelib.storage import is_condition_failure
from chalicelib.users.domain import normalize_email, password_problems
from chalicelib.users.login_attempts import (
    login_attempt_reserve,
    login_attempts_clear,
    password_change_attempt_reserve,
    password_change_attempts_clear,
)
from chalicelib.users.models import UserRecord, token_revocation_actions
from chalicelib.users.passwords import hash_password, needs_rehash, spend_verification_time, verify_password
from chalicelib.users.permissions import ALL_PERMISSIONS
from chalicelib.users.selectors import user_get_by_email
from chalicelib.users.tokens import token_issue

EMAIL_TAKEN = "user with this email already exists."


def _check_password(password: str, *, email: str, first_name: str = "", last_name: str = "") -> None:
    problems = password_problems(password, email=email, first_name=first_name, last_name=last_name)
    if problems:
        raise InvalidInput({"password": problems})


def initial_permissions(*, superuser: bool) -> set[str]:
    """What a new account may do: the configured defaults, or for a superuser every permission."""
    return set(ALL_PERMISSIONS if superuser else settings().default_permissions)


def _new_user(*, email: str, password: str, first_name: str, last_name: str, superuser: bool) -> UserRecord:
    """A checked, unsaved account with the configured default permissions, or a
    superuser's (staff, every permission)."""
    key = normalize_email(email)
    _check_password(password, email=key, first_name=first_name, last_name=last_name)
    return UserRecord(
        email=key,
        email_as_typed=email.strip(),
        user_id=uuid.uuid4().hex,
        password_hash=hash_password(password),
        first_name=first_name,
        last_name=last_name,
        is_staff=superuser,
        is_superuser=superuser,
        permissions=initial_permissions(superuser=superuser),
        created_at=datetime.now(UTC),
    )


def _save_new(user: UserRecord) -> None:
    try:
        # The condition makes concurrent registrations of one email race-safe.
        user.save(condition=UserRecord.email.does_not_exist())
    except PutError as error:
        if is_condition_failure(error):
            raise Conflict({"email": [EMAIL_TAKEN]}) from None
        raise


def user_register(
    *, email: str, password: str, first_name: str = "", last_name: str = "", superuser: bool = False
) -> UserRecord:
    """A new account, for createsuperuser; the register endpoint uses user_sign_up."""
    user = _new_user(email=email, password=password, first_name=first_name, last_name=last_name, superuser=superuser)
    _save_new(user)
    return user


def user_sign_up(*, email: str, password: str, first_name: str = "", last_name: str = "") -> str:
    """A new account with the default permissions; its first token.

    The token is issued before the account is written: whatever fails in
    issuing it fails before anything is saved, never after.
    """
    user = _new_user(email=email, password=password, first_name=first_name, last_name=last_name, superuser=False)
    token = user_issue_token(user=user)
    _save_new(user)
    return token


def user_authenticate_credentials(*, email: str, password: str, client_address: str) -> UserRecord:
    """The account these credentials open; failures are counted per email and
    client address, and in the LoginFailures and LoginLockouts metrics."""
    email = normalize_email(email)
    try:
        login_attempt_reserve(email=email, client_address=client_address)
    except TooManyRequests:
        publish_metrics({Metric.LOGIN_LOCKOUTS: 1})
        raise
    user = user_get_by_email(email=email)
    if user is None:
        spend_verification_time(password)
    elif verify_password(user.password_hash, password) and user.is_active:
        login_attempts_clear(email=email, client_address=client_address)
        _rehash_if_needed(user=user, password=password)
        return user
    publish_metrics({Metric.LOGIN_FAILURES: 1})
    raise InvalidCredentials()


def _rehash_if_needed(*, user: UserRecord, password: str) -> None:
    """Replace a hash imported from the seed (or of older parameters) by
    today's argon2id, as Django does when its hasher changes. Conditioned on
    the hash it verified: a password changed meanwhile is left alone. Tokens
    stay valid, since the password is the same. A failure to write it does
    not refuse the login: the next one tries again."""
    if not needs_rehash(user.password_hash):
        return
    try:
        user.update(
            actions=[UserRecord.password_hash.set(hash_password(password))],
            condition=UserRecord.password_hash == user.password_hash,
        )
    except UpdateError as error:
        if not is_condition_failure(error):
            logger.warning("password rehash not written", extra={"user_id": user.user_id, "error": str(error)})


def user_change_password(*, user: UserRecord, current_password: str, new_password: str) -> UserRecord:
    """Set a new password; every token issued before stops working. Guesses
    at the current password are limited per token holder, apart from logins."""
    password_change_attempt_reserve(user_id=user.user_id)
    if not verify_password(user.password_hash, current_password):
        raise InvalidInput({"current_password": ["Your old password was entered incorrectly."]})
    password_change_attempts_clear(user_id=user.user_id)
    _check_password(new_password, email=user.email, first_name=user.first_name, last_name=user.last_name)
    try:
        user.update(
            actions=[UserRecord.password_hash.set(hash_password(new_password)), *token_revocation_actions()],
            condition=UserRecord.token_version == user.token_version,
        )
    except UpdateError as error:
        if is_condition_failure(error):
            raise InvalidState("The account changed meanwhile. Log in again and retry.") from None
        raise
    return user


def user_issue_token(*, user: UserRecord) -> str:
    return token_issue(user_id=user.user_id, email=user.email, token_version=int(user.token_version))
