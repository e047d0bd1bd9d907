"""Demo data of the referrals feature, on top of the foundation demo (members, orders, events).

A dozen customers become referrers (the first with a vanity code). A third of the prospects
bought a car over the last six months quoting a referrer's code at the showroom (bound at order
time, attributed); a quarter arrived through shared cards, posters and WeCom and are leads now,
some with a test drive or a deposit. A few bindings carry a high risk rank and wait in the
review queue (one approved, one rejected); one referred car was refunded (clawed back). Rewards
whose hold has passed are issued by the same job as ``koc rewards issue-due``.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from koc.auth.models import PartnerToken, StaffRole, StaffUser
from koc.auth.viewer import StaffViewer
from koc.members.models import Member
from koc.orders.models import MemberEventKind
from koc.orders.services import (
    MemberRef,
    OrderInput,
    record_member_event,
    record_order,
    refund_order,
)
from koc.referrals import rules
from koc.referrals.binding import bind_referral
from koc.referrals.codes import primary_codes, set_code
from koc.referrals.models import (
    Referral,
    ReferralChannel,
    ReferralConversion,
    ReferralReward,
    ReviewStatus,
)
from koc.referrals.policy import policy
from koc.referrals.rewards import issue_due_rewards, review_referral
from koc.settings import get_settings

CAR_PRICES = [239_800_00, 268_000_00, 298_000_00, 356_000_00]
LEAD_CHANNELS = [ReferralChannel.SHARE, ReferralChannel.POSTER, ReferralChannel.WECOM]
MAX_LEADS_PER_REFERRER = 8  # stay under the hourly burst limit: the demo binds them at once


async def _operator() -> StaffViewer:
    staff = await StaffUser.filter(role=StaffRole.OPERATOR).order_by("id").first()
    if staff is None:
        staff = await StaffUser.filter(role=StaffRole.ADMIN).order_by("id").first()
    if staff is None:
        raise RuntimeError("The demo needs a staff account (the foundation demo makes them).")
    return StaffViewer(staff.id, staff.username, staff.role)


async def seed(rng: random.Random) -> str:
    partner = await PartnerToken.filter(revoked_at__isnull=True).order_by("id").first()
    if partner is None:
        return "referrals: no partner token, skipped"
    operator = await _operator()
    appid = get_settings().wechat_appid
    now = datetime.now(UTC)
    bound = set(await Referral.all().values_list("referee_id", flat=True))
    customers = list(
        await Member.filter(order_count__gt=0).order_by("id").values_list("id", flat=True)
    )
    prospects = [
        m
        for m in await Member.filter(order_count=0).order_by("id").values_list("id", flat=True)
        if m not in bound
    ]
    if not customers or len(prospects) < 4:
        return "referrals: not enough members, skipped"

    referrers = rng.sample(customers, min(12, len(customers)))
    await set_code(referrers[0], f"ZY-{rng.randint(100, 999)}", True, actor=operator)
    codes = {c.member_id: c.code for c in await primary_codes(referrers)}
    # A few referrers bring most referees, as in real programs.
    weights = [len(referrers) - i for i in range(len(referrers))]
    rng.shuffle(prospects)
    third = len(prospects) // 3
    buyers, leads = prospects[:third], prospects[third : third + len(prospects) // 4]

    external_ids = []
    for member_id in buyers:
        referrer = rng.choices(referrers, weights)[0]
        external_id = f"DEMO-REF-{member_id}"
        external_ids.append(external_id)
        await record_order(
            partner.id,
            OrderInput(
                external_id=external_id,
                member=MemberRef(member_id=member_id),
                amount_cents=rng.choice(CAR_PRICES),
                currency="CNY",
                category="vehicle",
                occurred_at=now - timedelta(days=rng.randint(1, 170), hours=rng.randint(0, 23)),
                extra={"referralCode": codes[referrer]},
            ),
            appid,
        )
    if external_ids:
        await refund_order(partner.id, "DEMO-REF-REFUND-1", rng.choice(external_ids), None, now)

    per_referrer: dict[int, int] = {}
    events = 0
    for i, member_id in enumerate(leads):
        open_referrers = [r for r in referrers if per_referrer.get(r, 0) < MAX_LEADS_PER_REFERRER]
        if not open_referrers:
            break
        referrer = rng.choice(open_referrers)
        per_referrer[referrer] = per_referrer.get(referrer, 0) + 1
        channel = rng.choice(LEAD_CHANNELS)
        text = {
            ReferralChannel.SHARE: rules.scene_for,
            ReferralChannel.WECOM: rules.wecom_state_for,
        }.get(channel, str)(codes[referrer])
        await bind_referral(
            member_id,
            text,
            channel,
            device_id=f"demo-device-{member_id}",
            # the first four look risky to WeChat: they wait in the review queue
            risk_rank=4 if i < 4 else rng.choices([0, 1, 2], [70, 20, 10])[0],
        )
        for kind, chance in (
            (MemberEventKind.TEST_DRIVE, 0.5),
            (MemberEventKind.DEPOSIT_PAID, 0.2),
        ):
            if rng.random() < chance:
                events += 1
                await record_member_event(
                    partner.id,
                    f"DEMO-REF-EV-{member_id}-{kind.value}",
                    MemberRef(member_id=member_id),
                    kind,
                    datetime.now(UTC),
                    {"store": "Shanghai Jing'an"},
                    appid,
                )

    flagged = list(
        await Referral.filter(review_status=ReviewStatus.PENDING).order_by("id").limit(2)
    )
    for referral, approve in zip(flagged, (True, False), strict=False):
        await review_referral(
            referral.id,
            approve,
            "Met at the showroom: real friends." if approve else "Same household as the referrer.",
            actor=operator,
        )

    # Rewards of conversions older than the hold would have been issued by the daily job.
    hold = policy().hold
    for conversion in await ReferralConversion.all():
        await ReferralReward.filter(conversion_id=conversion.id).update(
            due_at=conversion.occurred_at + hold
        )
    issued = await issue_due_rewards()
    total = await Referral.all().count()
    queue = await Referral.filter(review_status=ReviewStatus.PENDING).count()
    return (
        f"referrals: {len(referrers)} referrers, {total} bindings ({len(buyers)} bought at the "
        f"showroom, {len(leads)} leads, {events} test drives/deposits), {queue} in review, "
        f"{issued.issued} rewards issued"
    )
