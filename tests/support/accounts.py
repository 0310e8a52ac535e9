"""The test suites' accounts: the email and password every suite registers with by
default, and accounts made with exactly the flags and permissions a test needs."""

from dataclasses import dataclass

from chalicelib.users.models import UserRecord
from chalicelib.users.services import user_issue_token, user_register

EMAIL = "buyer@example.com"
PASSWORD = "correct horse battery"  # passes Django's validators


@dataclass(frozen=True)
class Account:
    email: str
    user_id: str
    token: str


def make_account(
    email: str, *, staff: bool = False, superuser: bool = False, permissions: frozenset[str] | set[str] = frozenset()
) -> Account:
    user = user_register(email=email, password=PASSWORD, superuser=superuser)
    if not superuser:
        user.update(
            actions=[
                UserRecord.is_staff.set(staff),
                UserRecord.permissions.set(set(permissions)) if permissions else UserRecord.permissions.remove(),
            ]
        )
    return Account(email=user.email, user_id=user.user_id, token=user_issue_token(user=user))
