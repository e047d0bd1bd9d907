"""Automatic layering: tag rules add and remove their tag as members' facts change, backfill
when made, refuse loops, skip members who withdrew PROFILING; stage rules move members on
events, forward only unless allowed, each move recorded with its rule."""

from __future__ import annotations

import itertools
from datetime import timedelta

from koc.auth.models import PartnerScope, StaffRole
from koc.consent.models import Purpose
from koc.members.models import (
    LifecycleStage,
    Member,
    MemberTag,
    MemberTagRemoval,
    StageTransition,
    TagSource,
)
from koc.segments import layering
from koc.segments.models import StageRule, TagRule
from tests.conftest import gid, make_member
from tests.consent.factories import decide
from tests.creators.factories import event, order, refund
from tests.segments.factories import (
    NOW,
    SEGMENT_UPDATE,
    STAGE_RULE_CREATE,
    TAG_RULE_CREATE,
    create_segment,
    tag,
)

_names = itertools.count(1)
TWO_DRIVES = {"events": {"kind": "TEST_DRIVE", "countAtLeast": 2, "withinDays": 30}}


async def tagged(tag_id: int) -> set[int]:
    return set(await MemberTag.filter(tag_id=tag_id).values_list("member_id", flat=True))


async def make_tag_rule(staff, rule, tag_id: int) -> dict:
    segment = await create_segment(staff, rule, name=f"S{next(_names)}")
    data = await staff.execute(
        TAG_RULE_CREATE, {"input": {"segmentId": segment["id"], "tagId": gid("Tag", tag_id)}}
    )
    return data["tagRuleCreate"] | {"segmentId": segment["id"]}


async def test_a_tag_rule_backfills_then_follows_the_facts(staff_client, partner_client):
    staff = await staff_client(StaffRole.OPERATOR)
    partner = await partner_client([PartnerScope.EVENTS_WRITE, PartnerScope.ORDERS_WRITE])
    keen, once, later = await make_member(), await make_member(), await make_member()
    for days in (3, 10):
        await event(partner, keen.id, "TEST_DRIVE", days_ago=days)
    await event(partner, once.id, "TEST_DRIVE", days_ago=3)
    await event(partner, later.id, "TEST_DRIVE", days_ago=40)  # outside the window
    hot = await tag("hot lead")
    # when the rule "test-drove twice in 30 days -> hot lead" is made
    made = await make_tag_rule(staff, TWO_DRIVES, hot.id)
    # then it is backfilled over the members who match now, as an AUTO tag naming the rule
    assert made["errors"] == [] and made["tagsAdded"] == 1
    assert await tagged(hot.id) == {keen.id}
    row = await MemberTag.get(tag_id=hot.id, member_id=keen.id)
    rule_id = (await TagRule.get()).id
    assert (row.source, row.cause) == (TagSource.AUTO, f"tagRule:{rule_id}")
    # and when a member's second drive arrives, they are tagged at once
    await event(partner, once.id, "TEST_DRIVE", days_ago=1)
    assert await tagged(hot.id) == {keen.id, once.id}


async def test_a_tag_comes_off_when_the_member_stops_matching(staff_client, partner_client):
    staff = await staff_client(StaffRole.OPERATOR)
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    buyer = await make_member()
    bought = await order(partner, buyer.id, 100_00)
    customer = await tag("customer")
    await make_tag_rule(staff, {"orders": {}}, customer.id)
    assert await tagged(customer.id) == {buyer.id}
    # when the only order is refunded, then the rule's tag comes off
    await refund(partner, bought)
    assert await tagged(customer.id) == set()
    # but a tag staff put on by hand stays whatever the rule says
    await MemberTag.create(member_id=buyer.id, tag_id=customer.id, source=TagSource.MANUAL)
    await layering.recompute_all()
    assert await tagged(customer.id) == {buyer.id}


async def test_deleting_a_tag_rule_takes_its_tags_off_and_keeps_them_in_the_story(
    staff_client, partner_client
):
    staff = await staff_client(StaffRole.OPERATOR)
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    buyer, other = await make_member(), await make_member()
    await order(partner, buyer.id, 100_00)
    customer = await tag("customer")
    made = await make_tag_rule(staff, {"orders": {}}, customer.id)
    # a tag staff put on by hand is not the rule's
    await MemberTag.create(member_id=other.id, tag_id=customer.id, source=TagSource.MANUAL)
    # when staff delete the rule
    data = await staff.execute(
        "mutation($id: ID!) { tagRuleDelete(id: $id) { deleted tagsRemoved errors { code } } }",
        {"id": made["tagRule"]["id"]},
    )
    # then its tag comes off the member it tagged, and only that one
    assert data["tagRuleDelete"] == {"deleted": True, "tagsRemoved": 1, "errors": []}
    assert await tagged(customer.id) == {other.id}
    # and the removal is kept, with who removed it and why
    removal = await MemberTagRemoval.get(member_id=buyer.id, tag_id=customer.id)
    assert removal.removed_by_id == staff.staff_id
    assert removal.reason.endswith("rule deleted")


async def test_tag_rules_chain_through_tags_and_stages(staff_client, partner_client):
    # given "bought -> customer" and "customer tag -> vip"
    staff = await staff_client(StaffRole.OPERATOR)
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    customer, vip = await tag("customer"), await tag("vip")
    await make_tag_rule(staff, {"orders": {}}, customer.id)
    await make_tag_rule(staff, {"tags": {"any": [gid("Tag", customer.id)]}}, vip.id)
    # when a member orders, then both tags follow, the second from the first
    buyer = await make_member()
    await order(partner, buyer.id, 100)
    assert await tagged(customer.id) == await tagged(vip.id) == {buyer.id}


async def test_a_rule_that_would_trigger_itself_is_refused(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    a, b = await tag("a"), await tag("b")
    # a rule reading the tag it sets
    made = await make_tag_rule(staff, {"not": {"tags": {"any": [gid("Tag", a.id)]}}}, a.id)
    assert [(e["code"], e["field"]) for e in made["errors"]] == [("RULE_LOOP", "segmentId")]
    # two rules in a circle: a -> b, then b -> a
    assert (await make_tag_rule(staff, {"tags": {"any": [gid("Tag", a.id)]}}, b.id))["errors"] == []
    made = await make_tag_rule(staff, {"tags": {"all": [gid("Tag", b.id)]}}, a.id)
    assert [e["code"] for e in made["errors"]] == ["RULE_LOOP"]
    # and a segment change that would close a circle is refused too, changing nothing
    first = await make_tag_rule(staff, {"region": {"in": ["x"]}}, a.id)
    data = await staff.execute(
        SEGMENT_UPDATE,
        {"input": {"id": first["segmentId"], "rule": {"tags": {"any": [gid("Tag", b.id)]}}}},
    )
    assert [e["code"] for e in data["segmentUpdate"]["errors"]] == ["RULE_LOOP"]
    assert await TagRule.all().count() == 2


async def test_a_segment_change_relayers_its_tag_rule(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    shanghai, beijing = await make_member(region="Shanghai"), await make_member(region="Beijing")
    local = await tag("local")
    made = await make_tag_rule(staff, {"region": {"in": ["Shanghai"]}}, local.id)
    assert await tagged(local.id) == {shanghai.id}
    await staff.execute(
        SEGMENT_UPDATE,
        {"input": {"id": made["segmentId"], "rule": {"region": {"in": ["Beijing"]}}}},
    )
    assert await tagged(local.id) == {beijing.id}


async def test_members_who_withdrew_profiling_are_never_tagged_or_moved(
    staff_client, partner_client
):
    staff = await staff_client(StaffRole.OPERATOR)
    partner = await partner_client([PartnerScope.EVENTS_WRITE])
    private, open_ = await make_member(region="Shanghai"), await make_member(region="Shanghai")
    await decide(private.id, Purpose.PROFILING, granted=False)
    local = await tag("local")
    await make_tag_rule(staff, {"region": {"in": ["Shanghai"]}}, local.id)
    assert await tagged(local.id) == {open_.id}
    await staff.execute(
        STAGE_RULE_CREATE, {"input": {"eventKind": "TEST_DRIVE", "stage": "INTENT"}}
    )
    await event(partner, private.id, "TEST_DRIVE")
    assert (await Member.get(id=private.id)).stage_id is None


async def test_the_periodic_recompute_catches_a_window_that_moved_on(staff_client, partner_client):
    staff = await staff_client(StaffRole.OPERATOR)
    partner = await partner_client([PartnerScope.EVENTS_WRITE])
    member = await make_member()
    for days in (1, 2):
        await event(partner, member.id, "TEST_DRIVE", days_ago=days)
    hot = await tag("hot")
    await make_tag_rule(staff, TWO_DRIVES, hot.id)
    assert await tagged(hot.id) == {member.id}
    # when a month passes without a drive, the recompute takes the tag off
    done = await layering.recompute_all(now=NOW + timedelta(days=31))
    assert (done.added, done.removed) == (0, 1)
    assert await tagged(hot.id) == set()


async def test_stage_rules_move_members_on_events_forward_only(staff_client, partner_client):
    staff = await staff_client(StaffRole.OPERATOR)
    partner = await partner_client([PartnerScope.EVENTS_WRITE])
    data = await staff.execute(
        STAGE_RULE_CREATE, {"input": {"eventKind": "TEST_DRIVE", "stage": "INTENT"}}
    )
    rule = data["stageRuleCreate"]
    assert rule["errors"] == [] and rule["stageRule"]["stage"] == "INTENT"
    customer = await LifecycleStage.get(code="CUSTOMER")
    fresh, bought = await make_member(), await make_member(stage_id=customer.id)
    # when both test-drive
    await event(partner, fresh.id, "TEST_DRIVE")
    await event(partner, bought.id, "TEST_DRIVE")
    # then the new member moves to INTENT, with the rule as the cause, and the customer stays
    moved = await StageTransition.get(member_id=fresh.id)
    rule_id = (await StageRule.get()).id
    assert moved.automatic and moved.reason.startswith(f"stageRule:{rule_id} (TEST_DRIVE event ")
    assert (await Member.get(id=fresh.id).prefetch_related("stage")).stage.code == "INTENT"
    assert (await Member.get(id=bought.id)).stage_id == customer.id
    # and the same rule twice is refused
    again = await staff.execute(
        STAGE_RULE_CREATE, {"input": {"eventKind": "TEST_DRIVE", "stage": "INTENT"}}
    )
    assert [e["code"] for e in again["stageRuleCreate"]["errors"]] == ["DUPLICATE"]


async def test_a_stage_rule_can_move_back_and_only_a_segment(staff_client, partner_client):
    staff = await staff_client(StaffRole.OPERATOR)
    partner = await partner_client([PartnerScope.EVENTS_WRITE])
    segment = await create_segment(staff, {"region": {"in": ["Shanghai"]}})
    await staff.execute(
        STAGE_RULE_CREATE,
        {
            "input": {
                "eventKind": "COMPLAINT",
                "stage": "POTENTIAL",
                "allowBackward": True,
                "segmentId": segment["id"],
            }
        },
    )
    customer = await LifecycleStage.get(code="CUSTOMER")
    local = await make_member(stage_id=customer.id, region="Shanghai")
    away = await make_member(stage_id=customer.id, region="Beijing")
    await event(partner, local.id, "COMPLAINT")
    await event(partner, away.id, "COMPLAINT")
    assert (await Member.get(id=local.id).prefetch_related("stage")).stage.code == "POTENTIAL"
    assert (await Member.get(id=away.id)).stage_id == customer.id
