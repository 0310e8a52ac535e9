"""The expiring table: short-lived records, one kind per key prefix, each
deleted by DynamoDB once its `expires_at` (TTL) has passed.

- FAILURE#<message id>: why a queue message last failed (orders.message_failures)
- LOGIN#<email>: the open window of login attempts (users.login_attempts)
- IDEMPOTENCY#<user id>#<key hash>: an idempotency key, its request and plan (idempotency)
"""

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.storage import TableMeta


class ExpiringItem(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    expires_at = TTLAttribute()
