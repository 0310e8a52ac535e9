"""Reads of users: one GetItem by email, or by id a Query of the keys-only
index and a GetItem of the user it found."""

from chalicelib.users.models import UserRecord


def user_get_by_email(*, email: str) -> UserRecord | None:
    try:
        return UserRecord.get(email, consistent_read=True)
    except UserRecord.DoesNotExist:
        return None


def user_get_by_id(*, user_id: str) -> UserRecord | None:
    entry = next(iter(UserRecord.by_user_id.query(user_id, limit=1)), None)
    # The item itself, consistently: the index holds keys only, and lags.
    return user_get_by_email(email=entry.email) if entry else None
