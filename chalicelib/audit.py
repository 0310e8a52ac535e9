"""The audit trail: who changed what in the admin, before and after, and when.

An entry is written in the same transaction as the change it describes.
Entries are kept per month (pk = AUDIT#<yyyy-mm>) in time order, so the
newest ones are a Query away and no partition grows without bound.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.config import settings
from chalicelib.orders.domain import FIRST_MONTH
from chalicelib.orders.models import month_of
from chalicelib.storage import TableMeta
from chalicelib.users.permissions import Principal


def _partition(month: str) -> str:
    return f"AUDIT#{month}"


def previous_month(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


class AuditRecord(Model):
    class Meta(TableMeta):
        table_name = settings.resource_name("audit")

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


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditRecord]
    # Where the next page starts: (month, sort key to continue below), or None at the end.
    resume_at: tuple[str, str | None] | None


def audit_page(*, limit: int, month: str | None = None, below: str | None = None) -> AuditPage:
    """Entries newest first, walking back month by month."""
    month = month or month_of(datetime.now(UTC))
    entries: list[AuditRecord] = []
    while month >= FIRST_MONTH:
        condition = AuditRecord.sk < below if below else None
        wanted = limit - len(entries)
        # One item beyond what is wanted tells whether this month has more.
        batch = list(AuditRecord.query(_partition(month), condition, scan_index_forward=False, limit=wanted + 1))
        if len(batch) > wanted:
            taken = batch[:wanted]
            entries += taken
            return AuditPage(entries=entries, resume_at=(month, taken[-1].sk if taken else below))
        entries += batch
        month, below = previous_month(month), None
    return AuditPage(entries=entries, resume_at=None)
