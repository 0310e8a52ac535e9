"""The admin's writes. Each is audited in the same transaction as the change."""

from pynamodb.exceptions import TransactWriteError

from chalicelib.audit import audit_entry
from chalicelib.errors import Busy, NotFound
from chalicelib.orders.domain import ChangeSource, TicketStatus
from chalicelib.orders.services import StatusChange, ticket_change_status
from chalicelib.storage import CONDITION_FAILED, TRANSACTION_CONFLICT, cancellation_codes, transact_write
from chalicelib.users.models import UserRecord, token_revocation_actions
from chalicelib.users.permissions import Principal, check_user_change
from chalicelib.users.selectors import user_get_by_id

ACCOUNT_FIELDS = ("is_active", "is_staff", "is_superuser", "permissions")


def _account(user: UserRecord) -> dict[str, object]:
    return {
        "is_active": bool(user.is_active),
        "is_staff": bool(user.is_staff),
        "is_superuser": bool(user.is_superuser),
        "permissions": sorted(user.permissions or ()),
    }


def user_change_by_admin(*, actor: Principal, user_id: str, changes: dict[str, object]) -> UserRecord:
    """Change a user's flags and permissions. Deactivation also ends every
    token the user holds; a revoked permission is refused from the user's
    next request on, since each request reads the user. The route has checked
    that the actor may change users."""
    user = user_get_by_id(user_id=user_id)
    if user is None:
        raise NotFound("No user with this id.")
    check_user_change(actor, target_user_id=user_id, target_is_superuser=bool(user.is_superuser), changes=changes)
    before = _account(user)
    after = {**before, **{name: value for name, value in changes.items() if name in ACCOUNT_FIELDS}}
    if "permissions" in changes:
        after["permissions"] = sorted(set(changes["permissions"]))  # type: ignore[arg-type]
    if after == before:
        return user
    permissions = set(after["permissions"])  # type: ignore[call-overload]
    actions = [
        UserRecord.is_active.set(after["is_active"]),
        UserRecord.is_staff.set(after["is_staff"]),
        UserRecord.is_superuser.set(after["is_superuser"]),
        # DynamoDB stores no empty set: no permissions means no attribute.
        UserRecord.permissions.set(permissions) if permissions else UserRecord.permissions.remove(),
    ]
    if before["is_active"] and not after["is_active"]:
        actions.extend(token_revocation_actions())
    try:
        with transact_write() as transaction:
            transaction.update(user, actions=actions, condition=UserRecord.token_version == user.token_version)
            transaction.save(
                audit_entry(
                    actor=actor,
                    action="user.change",
                    target_type="user",
                    target_id=user.user_id,
                    before={"email": user.email, **before},
                    after={"email": user.email, **after},
                )
            )
    except TransactWriteError as error:
        if cancellation_codes(error) & {CONDITION_FAILED, TRANSACTION_CONFLICT}:
            raise Busy("The user was changed meanwhile. Reload and try again.") from None
        raise
    user.refresh(consistent_read=True)
    return user


def ticket_change_status_by_admin(*, actor: Principal, code: str, status: TicketStatus) -> StatusChange:
    """The same service as every other status change, so history, counts and
    outbound events stay right; the audit entry rides in its transaction."""
    return ticket_change_status(code=code, status=status, source=ChangeSource.ADMIN, audited_as=actor)
