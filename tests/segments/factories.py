"""Operations and facts for the segments tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from koc.auth.models import PartnerToken
from koc.badges.models import AwardSource, Badge, BadgeHolding, BadgeRule
from koc.creators.models import KocProfile, KocStatus
from koc.members.models import Tag, TagFamily, TagGroup
from koc.orders.models import Order
from koc.referrals.models import Milestone, Referral, ReferralChannel, ReferralConversion
from tests.conftest import GraphQLClient, make_member

SEGMENT_FIELDS = "id name description rule memberCount"

SEGMENT_CREATE = f"""
mutation($input: SegmentCreateInput!) {{
  segmentCreate(input: $input) {{ segment {{ {SEGMENT_FIELDS} }} errors {{ field code message }} }}
}}"""

SEGMENT_UPDATE = f"""
mutation($input: SegmentUpdateInput!) {{
  segmentUpdate(input: $input) {{ segment {{ {SEGMENT_FIELDS} }} errors {{ field code message }} }}
}}"""

PREVIEW = """
query($audience: AudienceInput!, $first: Int) {
  segmentMembers(audience: $audience, first: $first) { totalCount edges { node { id } } }
}"""

TAG_RULE_CREATE = """
mutation($input: TagRuleCreateInput!) {
  tagRuleCreate(input: $input) { tagRule { id segment { name } tag { name } } tagsAdded
    errors { field code message } }
}"""

STAGE_RULE_CREATE = """
mutation($input: StageRuleCreateInput!) {
  stageRuleCreate(input: $input) { stageRule { id eventKind stage allowBackward }
    errors { field code message } }
}"""

NOW = datetime.now(UTC)


async def create_segment(
    staff: GraphQLClient, rule: dict[str, Any], name: str = "Segment"
) -> dict[str, Any]:
    data = await staff.execute(SEGMENT_CREATE, {"input": {"name": name, "rule": rule}})
    payload = data["segmentCreate"]
    assert payload["errors"] == [], payload["errors"]
    return payload["segment"]


async def preview(staff: GraphQLClient, audience: dict[str, Any], first: int = 100) -> set[str]:
    data = await staff.execute(PREVIEW, {"audience": audience, "first": first})
    return {e["node"]["id"] for e in data["segmentMembers"]["edges"]}


async def tag(name: str = "t", group: str = "g") -> Tag:
    found = await TagGroup.get_or_none(name=group) or await TagGroup.create(
        name=group, family=TagFamily.BEHAVIOR
    )
    return await Tag.create(group=found, name=name)


async def badge(code: str, *holders: int) -> Badge:
    made = await Badge.create(
        code=code, family=code, level=1, name=code, rule=BadgeRule.MANUAL, threshold=0
    )
    for m in holders:
        await BadgeHolding.create(
            member_id=m, badge_id=made.id, source=AwardSource.STAFF, awarded_at=NOW
        )
    return made


async def koc(member_id: int, status: KocStatus = KocStatus.ACTIVE) -> None:
    await KocProfile.create(member_id=member_id, status=status, status_changed_at=NOW)


async def converted_referral(referrer_id: int, days_ago: int = 1) -> int:
    """A friend of the referrer who bought: returns the friend's id."""
    friend = await make_member()
    partner = await PartnerToken.first() or await PartnerToken.create(
        name="seg", prefix="seg", token_hash="x", scopes=[]
    )
    when = NOW - timedelta(days=days_ago)
    referral = await Referral.create(
        referrer_id=referrer_id,
        referee_id=friend.id,
        code="CODE",
        channel=ReferralChannel.SHARE,
        bound_at=when,
        expires_at=when + timedelta(days=180),
        milestone=Milestone.CONVERTED,
        milestone_at=when,
    )
    order = await Order.create(
        partner_id=partner.id,
        external_id=f"seg-{friend.id}",
        member_id=friend.id,
        amount_cents=100,
        currency="CNY",
        category="vehicle",
        occurred_at=when,
        fingerprint="x",
    )
    await ReferralConversion.create(
        referral_id=referral.id,
        referrer_id=referrer_id,
        referee_id=friend.id,
        order_id=order.id,
        amount_cents=100,
        currency="CNY",
        category="vehicle",
        occurred_at=when,
        ordinal=1,
    )
    return friend.id
