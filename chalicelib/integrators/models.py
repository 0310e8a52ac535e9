"""Integrators and their signing keys, in one small table.

- NAME#<name>: the integrator; its key makes names unique.
- KEY#<key id>: one signing key of an integrator, its secret sealed
  (chalicelib.sealing); a signed request reads it with one consistent
  GetItem, so a revocation holds from the next request on.

An integrator has a key per rotation; the old one works until it is revoked.
"""

from pynamodb.attributes import DiscriminatorAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.storage import TableMeta


def name_key(name: str) -> str:
    return f"NAME#{name}"


def signing_key_key(key_id: str) -> str:
    return f"KEY#{key_id}"


class IntegratorsTableItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    kind = DiscriminatorAttribute()
    name = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


class IntegratorRecord(IntegratorsTableItem, discriminator="integrator"):
    pass


class SigningKeyRecord(IntegratorsTableItem, discriminator="signing_key"):
    key_id = UnicodeAttribute()
    sealed_secret = UnicodeAttribute()
    # Written at most once an hour (services.LAST_USED_PRECISION): a signed request costs no write.
    last_used_at = UTCDateTimeAttribute(null=True)
    revoked_at = UTCDateTimeAttribute(null=True)
