"""Erasure: a member asks, a cooling-off period passes (they may cancel), then a job erases
them; an admin may erase at once on the member's request, with a reason.

Erasing follows the data map (``koc.privacy.catalog``): identities, tags and scores are
deleted, the profile and every free text are blanked, and the rows aggregates are made of stay
on the emptied member row, so reports, points, survey counts and privilege stock do not move.
The member's openids are gone, so a later WeChat login of the same person is a new member.

When the events outbox exists, erasing must also publish ``member.erased`` to partners (in
``erase_member``'s transaction).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import reduce
from operator import or_
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.audit.models import AuditEntry
from koc.auth.viewer import StaffViewer
from koc.consent.services import withdraw_all
from koc.errors import DomainError
from koc.events import MemberErased, publish
from koc.members.models import Member
from koc.privacy.catalog import CATALOG, ERASED_TEXT, Erase
from koc.privacy.errors import PrivacyErrorCode
from koc.privacy.models import ErasureChannel, ErasureRequest, ErasureStatus
from koc.privacy.reasons import clean_reason

CHUNK = 500


def _now() -> datetime:
    return datetime.now(UTC)


async def _locked_member(member_id: int) -> Member:
    member = await Member.filter(id=member_id).select_for_update().first()
    if member is None:
        raise DomainError(PrivacyErrorCode.NOT_FOUND, "No such member.", "memberId")
    if await ErasureRequest.exists(member_id=member_id, status=ErasureStatus.DONE):
        raise DomainError(PrivacyErrorCode.ALREADY_ERASED, "This member was erased.", "memberId")
    return member


async def pending_request(member_id: int) -> ErasureRequest | None:
    return await ErasureRequest.get_or_none(member_id=member_id, status=ErasureStatus.PENDING)


async def request_erasure(member_id: int, cooling_off_days: int) -> ErasureRequest:
    """The member asks to be erased; it happens after ``cooling_off_days``."""
    async with in_transaction():
        await _locked_member(member_id)
        if await pending_request(member_id):
            raise DomainError(PrivacyErrorCode.ALREADY_REQUESTED, "Erasure was requested already.")
        now = _now()
        return await ErasureRequest.create(
            member_id=member_id,
            status=ErasureStatus.PENDING,
            channel=ErasureChannel.MEMBER,
            requested_at=now,
            due_at=now + timedelta(days=cooling_off_days),
        )


async def cancel_erasure(member_id: int) -> ErasureRequest:
    """The member changes their mind during the cooling-off period."""
    async with in_transaction():
        await _locked_member(member_id)
        request = await pending_request(member_id)
        if request is None:
            raise DomainError(PrivacyErrorCode.NOT_REQUESTED, "No erasure is pending.")
        request.status = ErasureStatus.CANCELLED
        request.cancelled_at = _now()
        await request.save(update_fields=["status", "cancelled_at"])
    return request


async def erase_now(member_id: int, reason: str, *, actor: StaffViewer) -> ErasureRequest:
    """An admin erases a member at once, on their request (audited with the reason)."""
    reason = clean_reason(reason)
    async with in_transaction():
        await _locked_member(member_id)
        request = await pending_request(member_id)
        now = _now()
        if request is None:
            request = ErasureRequest(
                member_id=member_id, channel=ErasureChannel.STAFF, requested_at=now, due_at=now
            )
        request.staff_id, request.reason = actor.staff_id, reason
        await erase_member(member_id, request)
        await audit.record(actor, "member.erase", "Member", member_id, after={"reason": reason})
    return request


async def erase_prospect(member_id: int) -> None:
    """Erase a prospect kept past the retention period. Call inside a transaction."""
    now = _now()
    request = ErasureRequest(
        member_id=member_id, channel=ErasureChannel.RETENTION, requested_at=now, due_at=now
    )
    await erase_member(member_id, request)


async def erase_due(limit: int = 100) -> int:
    """Erase the members whose cooling-off period has ended (the scheduled job), at most
    ``limit``, each in its own transaction: a failure keeps those erased before it. Returns how
    many."""
    done = 0
    due = (
        await ErasureRequest.filter(status=ErasureStatus.PENDING, due_at__lte=_now())
        .order_by("due_at")
        .limit(limit)
    )
    for request in due:
        async with in_transaction():
            fresh = (
                await ErasureRequest.filter(id=request.id, status=ErasureStatus.PENDING)
                .select_for_update()
                .first()
            )
            if fresh is None:  # cancelled meanwhile
                continue
            await Member.filter(id=fresh.member_id).select_for_update().values_list("id")
            await erase_member(fresh.member_id, fresh)
            done += 1
    return done


def _redacted(values: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if values is None else dict.fromkeys(values, ERASED_TEXT)


async def _redact_audit(erased: list[tuple[str, Any]]) -> None:
    """Staff actions on the erased rows keep who, what and when, not the values. ``erased``
    holds (model name, primary key) pairs; the audit log names its objects the same way. One
    statement per ``CHUNK`` pairs (the audit log has no index on its objects: erasure is rare,
    the log is read by time)."""
    for start in range(0, len(erased), CHUNK):
        by_type: dict[str, list[str]] = {}
        for object_type, pk in erased[start : start + CHUNK]:
            by_type.setdefault(object_type, []).append(str(pk))
        about = reduce(or_, (Q(object_type=t, object_id__in=ids) for t, ids in by_type.items()))
        for entry in await AuditEntry.filter(about):
            await AuditEntry.filter(id=entry.id).update(
                before=_redacted(entry.before), after=_redacted(entry.after)
            )


async def erase_member(member_id: int, request: ErasureRequest) -> None:
    """Apply the data map to the member and close ``request`` as done. Call inside a
    transaction that holds the member's row."""
    await withdraw_all(member_id)
    erased: list[tuple[str, Any]] = []
    for table in CATALOG:
        if table.erase is Erase.KEEP:
            continue
        model, pk = table.model, table.pk
        ids = await model.filter(table.erased_rows_of(member_id)).values_list(pk, flat=True)
        for start in range(0, len(ids), CHUNK):
            rows = model.filter(Q(**{f"{pk}__in": ids[start : start + CHUNK]}))
            if table.erase is Erase.DELETE:
                await rows.delete()
            else:
                await rows.update(**table.scrubbed)
        erased += [(model.__name__, pk) for pk in ids]
    await _redact_audit(erased)
    request.status = ErasureStatus.DONE
    request.erased_at = _now()
    await request.save()
    # Partners hold copies (webhooks, the events feed): tell them to erase theirs.
    await publish(MemberErased(member_id=member_id))
