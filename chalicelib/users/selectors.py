"""Reads of users: one GetItem by email, or by id (or by a seed token's
digest) a Query of a keys-only index and a GetItem of the user it found."""

from pynamodb.indexes import GlobalSecondaryIndex

from chalicelib.users.models import UserRecord


def user_get_by_email(*, email: str) -> UserRecord | None:
    try:
        return UserRecord.get(email, consistent_read=True)
    except UserRecord.DoesNotExist:
        return None


def user_get_by_id(*, user_id: str) -> UserRecord | None:
    return _user_found_in(UserRecord.by_user_id, user_id)


def user_get_by_legacy_token_digest(*, digest: str) -> UserRecord | None:
    return _user_found_in(UserRecord.by_legacy_token, digest)


def _user_found_in(index: GlobalSecondaryIndex[UserRecord], key: str) -> UserRecord | None:
    entry = next(iter(index.query(key, limit=1)), None)
    # The item itself, consistently: the index holds keys only, and lags.
    return user_get_by_email(email=entry.email) if entry else None
