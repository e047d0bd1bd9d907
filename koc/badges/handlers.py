"""How badges react to the rest of koc: orders, logins, attended events, converted and
reversed referrals, reviewed campaign submissions, KOC status changes and member merges each
re-evaluate the rules that read them. Connected when the feature is imported."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from koc import hooks
from koc.badges.awards import evaluate_member, evaluate_members
from koc.badges.models import (
    BadgeAwardEvent,
    BadgeHolding,
    BadgeRule,
    MemberKocRole,
    MemberSignal,
    SignalKind,
)
from koc.badges.signals import record_signal, roles_held, set_koc_roles
from koc.members.models import Member
from koc.orders.models import MemberEventKind, Order


async def _on_orders_recorded(calls: Sequence[dict[str, Any]]) -> None:
    await evaluate_members([c["member"].id for c in calls], [BadgeRule.YEARS_SINCE_FIRST_ORDER])


async def _on_member_logged_in(member: Member, **_: Any) -> None:
    # Years since the first order grow with time alone: a login is a cheap moment to look.
    await evaluate_member(member.id, [BadgeRule.YEARS_SINCE_FIRST_ORDER])


async def _on_event_recorded(event: Any, member: Member, **_: Any) -> None:
    if MemberEventKind(event.kind) is not MemberEventKind.EVENT_ATTENDED:
        return
    if await record_signal(member.id, SignalKind.EVENT_ATTENDED, f"event:{event.id}", event.id):
        await evaluate_member(member.id, [BadgeRule.EVENTS_ATTENDED])


async def _on_referrals_converted(calls: Sequence[dict[str, Any]]) -> None:
    # Each order counts once (the unique source key ignores a repeat); evaluating a referrer
    # whose count did not move awards nothing new.
    await MemberSignal.bulk_create(
        [
            MemberSignal(
                member_id=c["referrer_id"],
                kind=SignalKind.REFERRAL_CONVERTED,
                source_key=f"order:{c['order'].id}",
                subject_id=c["referee_id"],
            )
            for c in calls
        ],
        ignore_conflicts=True,
    )
    await evaluate_members([c["referrer_id"] for c in calls], [BadgeRule.REFERRALS_CONVERTED])


async def _on_referral_reversed(referrer_id: int, referee_id: int, order: Order, **_: Any) -> None:
    # The count drops; badges already earned stay (honour is not clawed back).
    await MemberSignal.filter(
        member_id=referrer_id, kind=SignalKind.REFERRAL_CONVERTED, source_key=f"order:{order.id}"
    ).delete()


async def _on_submission_reviewed(
    member_id: int, submission_id: int, approved: bool, **_: Any
) -> None:
    key = f"submission:{submission_id}"
    if not approved:
        await MemberSignal.filter(
            member_id=member_id, kind=SignalKind.SUBMISSION_APPROVED, source_key=key
        ).delete()
    elif await record_signal(member_id, SignalKind.SUBMISSION_APPROVED, key, submission_id):
        await evaluate_member(member_id, [BadgeRule.SUBMISSIONS_APPROVED])


async def _on_koc_status_changed(member: Member, status: str, roles: list[str], **_: Any) -> None:
    if await set_koc_roles(member.id, roles_held(status, roles)):
        await evaluate_member(member.id, [BadgeRule.KOC_ROLE])


async def _move_member_rows(model: Any, key: tuple[str, ...], prospect_id: int, into: int) -> None:
    """Move a prospect's rows to the member, dropping those the member already has a twin of."""
    held = set(await model.filter(member_id=into).values_list(*key))
    rows = await model.filter(member_id=prospect_id).values_list("id", *key)
    twins = [r[0] for r in rows if tuple(r[1:]) in held]
    if twins:
        await model.filter(id__in=twins).delete()
    await model.filter(member_id=prospect_id).update(member_id=into)


async def _on_member_merged(prospect: Member, member: Member, **_: Any) -> None:
    await _move_member_rows(MemberSignal, ("kind", "source_key"), prospect.id, member.id)
    await _move_member_rows(MemberKocRole, ("role",), prospect.id, member.id)
    await _move_member_rows(BadgeHolding, ("badge_id",), prospect.id, member.id)
    await BadgeAwardEvent.filter(member_id=prospect.id).update(member_id=member.id)
    await evaluate_member(member.id)


hooks.order_recorded.connect_batch(_on_orders_recorded)
hooks.member_logged_in.connect(_on_member_logged_in)
hooks.member_event_recorded.connect(_on_event_recorded)
hooks.referral_converted.connect_batch(_on_referrals_converted)
hooks.referral_reversed.connect(_on_referral_reversed)
hooks.campaign_submission_reviewed.connect(_on_submission_reviewed)
hooks.koc_status_changed.connect(_on_koc_status_changed)
hooks.member_merged.connect(_on_member_merged)
