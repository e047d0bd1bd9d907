"""How badges react to the rest of koc: orders, logins, attended events, converted and
reversed referrals, reviewed campaign submissions, KOC status changes and member merges each
re-evaluate the rules that read them. koc/wiring.py connects them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
from koc.events import (
    CampaignSubmissionReviewed,
    KocStatusChanged,
    MemberEventRecorded,
    MemberLoggedIn,
    MemberMerged,
    OrderRecorded,
    ReferralConverted,
    ReferralReversed,
)
from koc.orders.models import MemberEventKind
from koc.rows import insert_models


async def on_orders_recorded(events: Sequence[OrderRecorded]) -> None:
    await evaluate_members([e.member.id for e in events], [BadgeRule.YEARS_SINCE_FIRST_ORDER])


async def on_member_logged_in(e: MemberLoggedIn) -> None:
    # Years since the first order grow with time alone: a login is a cheap moment to look.
    await evaluate_member(e.member.id, [BadgeRule.YEARS_SINCE_FIRST_ORDER])


async def on_member_event_recorded(e: MemberEventRecorded) -> None:
    event, member = e.member_event, e.member
    if MemberEventKind(event.kind) is not MemberEventKind.EVENT_ATTENDED:
        return
    if await record_signal(member.id, SignalKind.EVENT_ATTENDED, f"event:{event.id}", event.id):
        await evaluate_member(member.id, [BadgeRule.EVENTS_ATTENDED])


async def on_referrals_converted(events: Sequence[ReferralConverted]) -> None:
    # Each order counts once (the unique source key ignores a repeat); evaluating a referrer
    # whose count did not move awards nothing new.
    await insert_models(
        [
            MemberSignal(
                member_id=e.referrer_id,
                kind=SignalKind.REFERRAL_CONVERTED,
                source_key=f"order:{e.order.id}",
                subject_id=e.referee_id,
            )
            for e in events
        ],
        ignore_conflicts=True,
    )
    await evaluate_members([e.referrer_id for e in events], [BadgeRule.REFERRALS_CONVERTED])


async def on_referral_reversed(e: ReferralReversed) -> None:
    # The count drops; badges already earned stay (honour is not clawed back).
    await MemberSignal.filter(
        member_id=e.referrer_id,
        kind=SignalKind.REFERRAL_CONVERTED,
        source_key=f"order:{e.order.id}",
    ).delete()


async def on_submission_reviewed(e: CampaignSubmissionReviewed) -> None:
    member_id, submission_id = e.member_id, e.submission_id
    key = f"submission:{submission_id}"
    if not e.approved:
        await MemberSignal.filter(
            member_id=member_id, kind=SignalKind.SUBMISSION_APPROVED, source_key=key
        ).delete()
    elif await record_signal(member_id, SignalKind.SUBMISSION_APPROVED, key, submission_id):
        await evaluate_member(member_id, [BadgeRule.SUBMISSIONS_APPROVED])


async def on_koc_status_changed(e: KocStatusChanged) -> None:
    if await set_koc_roles(e.member.id, roles_held(e.status, e.roles)):
        await evaluate_member(e.member.id, [BadgeRule.KOC_ROLE])


async def _move_member_rows(model: Any, key: tuple[str, ...], prospect_id: int, into: int) -> None:
    """Move a prospect's rows to the member, dropping those the member already has a twin of."""
    held = set(await model.filter(member_id=into).values_list(*key))
    rows = await model.filter(member_id=prospect_id).values_list("id", *key)
    twins = [r[0] for r in rows if tuple(r[1:]) in held]
    if twins:
        await model.filter(id__in=twins).delete()
    await model.filter(member_id=prospect_id).update(member_id=into)


async def on_member_merged(e: MemberMerged) -> None:
    prospect, member = e.prospect, e.member
    await _move_member_rows(MemberSignal, ("kind", "source_key"), prospect.id, member.id)
    await _move_member_rows(MemberKocRole, ("role",), prospect.id, member.id)
    await _move_member_rows(BadgeHolding, ("badge_id",), prospect.id, member.id)
    await BadgeAwardEvent.filter(member_id=prospect.id).update(member_id=member.id)
    await evaluate_member(member.id)
