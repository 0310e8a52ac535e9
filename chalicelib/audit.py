"""The audit trail: who changed what in the admin, before and after, and when.

An entry is written in the same transaction as the change it describes.
Entries are kept per month (pk = AUDIT#<yyyy-mm>) in time order, so the
newest ones are a Query away and no partition grows without bound.
"""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.orders.domain import FIRST_MONTH
from chalicelib.orders.models import month_of
from chalicelib.pages import Page, newest_first_by_month
from chalicelib.storage import TableMeta
from chalicelib.users.permissions import Principal


def _partition(month: str) -> str:
    return f"AUDIT#{month}"


class AuditRecord(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    actor_id = UnicodeAttribute()
    actor_email = UnicodeAttribute()
    action = UnicodeAttribute()
    target_type = UnicodeAttribute()
    target_id = UnicodeAttribute()
    before = UnicodeAttribute()
    after = UnicodeAttribute()
    at = UTCDateTimeAttribute()


def audit_entry(
    *, actor: Principal, action: str, target_type: str, target_id: str, before: dict[str, Any], after: dict[str, Any]
) -> AuditRecord:
    """An entry, not yet written: the caller saves it with the change."""
    now = datetime.now(UTC)
    return AuditRecord(
        _partition(month_of(now)),
        f"{now.isoformat()}#{uuid.uuid4().hex[:8]}",
        actor_id=actor.user_id,
        actor_email=actor.email,
        action=action,
        target_type=target_type,
        target_id=target_id,
        before=json.dumps(before, sort_keys=True, default=str),
        after=json.dumps(after, sort_keys=True, default=str),
        at=now,
    )


def audit_page(*, limit: int, month: str | None = None, below: str | None = None) -> Page[AuditRecord]:
    """Entries newest first, walking back month by month."""

    def query(month: str, below: str | None, count: int) -> list[AuditRecord]:
        condition = AuditRecord.sk < below if below else None
        return list(AuditRecord.query(_partition(month), condition, scan_index_forward=False, limit=count))

    return newest_first_by_month(
        newest=month or month_of(datetime.now(UTC)),
        oldest=FIRST_MONTH,
        limit=limit,
        below=below,
        query=query,
        position=lambda entry: entry.sk,
    )
