"""Users in DynamoDB. The normalized email is the key, so login and
registration's uniqueness check are single-item operations."""

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.expressions.update import Action
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.storage import TableMeta
from chalicelib.users.permissions import Principal


class UserIdIndex(GlobalSecondaryIndex["UserRecord"]):
    """Where a user is (the email, the table's key) by id: keys only, so that
    a change of a password, flags or permissions writes no index."""

    class Meta:
        index_name = "user_id-index"
        projection = KeysOnlyProjection()

    user_id = UnicodeAttribute(hash_key=True)


class LegacyTokenIndex(GlobalSecondaryIndex["UserRecord"]):
    """Whose seed (DRF) token this is, by the token's digest: keys only, and
    sparse, since only imported users with a live token are in it."""

    class Meta:
        index_name = "legacy_token-index"
        projection = KeysOnlyProjection()

    legacy_token_digest = UnicodeAttribute(hash_key=True)


class UserRecord(Model):
    class Meta(TableMeta):
        pass

    # The key (normalize_email); email_as_typed is the address as registered, for display.
    email = UnicodeAttribute(hash_key=True)
    email_as_typed = UnicodeAttribute(null=True)
    user_id = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    first_name = UnicodeAttribute(default="")
    last_name = UnicodeAttribute(default="")
    is_active = BooleanAttribute(default=True)
    is_staff = BooleanAttribute(default=False)
    is_superuser = BooleanAttribute(default=False)
    permissions = UnicodeSetAttribute(default=set)
    # Bumped when earlier tokens must stop working (password change, deactivation).
    token_version = NumberAttribute(default=1)
    created_at = UTCDateTimeAttribute()
    # Imported from the seed (infra/cli/import_seed.py): its users_user.id, and the
    # SHA-256 of its DRF token while that token may still authenticate.
    seed_user_id = NumberAttribute(null=True)
    legacy_token_digest = UnicodeAttribute(null=True)

    by_user_id = UserIdIndex()
    by_legacy_token = LegacyTokenIndex()

    @property
    def display_email(self) -> str:
        return self.email_as_typed or self.email


def token_revocation_actions() -> list[Action]:
    """An update's actions that end every token the user holds: our JWTs (by
    their version) and the seed's token (its digest is dropped)."""
    return [UserRecord.token_version.add(1), UserRecord.legacy_token_digest.remove()]


def principal_of(user: UserRecord) -> Principal:
    return Principal(
        user_id=user.user_id,
        email=user.email,
        is_active=bool(user.is_active),
        is_staff=bool(user.is_staff),
        is_superuser=bool(user.is_superuser),
        permissions=frozenset(user.permissions or ()),
    )
