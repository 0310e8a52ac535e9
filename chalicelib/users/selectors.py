"""Reads of users. Each is one GetItem or one Query."""

from chalicelib.users.models import UserRecord


def user_get_by_email(*, email: str) -> UserRecord | None:
    try:
        return UserRecord.get(email, consistent_read=True)
    except UserRecord.DoesNotExist:
        return None


def user_get_by_id(*, user_id: str) -> UserRecord | None:
    return next(iter(UserRecord.by_user_id.query(user_id, limit=1)), None)
