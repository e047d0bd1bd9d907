"""A member's own data as one JSON document: every row the data map lists for them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.auth.viewer import StaffViewer
from koc.errors import DomainError
from koc.members.models import Member
from koc.privacy.access import access_record
from koc.privacy.catalog import CATALOG, Table
from koc.privacy.errors import PrivacyErrorCode
from koc.privacy.models import AccessField
from koc.privacy.reasons import clean_reason

FORMAT = "koc.member-data/1"


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


def columns(table: Table) -> list[str]:
    """The columns an export shows of ``table``: its declared ones, else all but the hidden."""
    if table.columns:
        return list(table.columns)
    return [f for f in table.fields if f not in table.hidden]


async def export_member(member_id: int) -> dict[str, Any]:
    """Everything koc holds about the member, table by table (one statement per table)."""
    if not await Member.exists(id=member_id):
        raise DomainError(PrivacyErrorCode.NOT_FOUND, "No such member.", "memberId")
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in CATALOG:
        if not table.export:
            continue
        rows = (
            await table.model.filter(table.rows_of(member_id))
            .order_by(table.pk)
            .values(*columns(table), *table.labels)
        )
        tables[table.name] = [{k: _json(v) for k, v in row.items()} for row in rows]
    return {
        "format": FORMAT,
        "memberId": member_id,
        "exportedAt": datetime.now(UTC).isoformat(),
        "tables": tables,
    }


async def export_for_staff(member_id: int, reason: str, *, actor: StaffViewer) -> dict[str, Any]:
    """The same export, produced by an admin on the member's request: recorded as an access to
    the member's data and in the audit log, with the reason."""
    reason = clean_reason(reason)
    async with in_transaction():
        data = await export_member(member_id)
        await access_record(actor, member_id, AccessField.DATA_EXPORT, reason).save()
        await audit.record(
            actor, "member.data_export", "Member", member_id, after={"reason": reason}
        )
    return data
