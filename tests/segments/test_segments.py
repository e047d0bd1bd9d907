"""Saved segments over every kind of member fact: live counts and preview pages, nested logic,
typed errors naming the path inside the rule, snapshots at use, and the members list and bulk
tag changes taking a rule or a segment."""

from __future__ import annotations

from datetime import timedelta

from koc.auth.models import PartnerScope, StaffRole
from koc.members.models import LifecycleStage, Member, MemberTag, TagSource
from koc.segments import services
from koc.segments.models import Segment, SegmentSnapshotMember
from koc.worker import run_pending_jobs
from tests.conftest import gid, make_member
from tests.creators.factories import event, order, refund
from tests.segments.factories import (
    NOW,
    PREVIEW,
    SEGMENT_CREATE,
    SEGMENT_UPDATE,
    badge,
    converted_referral,
    create_segment,
    koc,
    preview,
    tag,
)
from tests.sqlcount import count_statements
from tests.surveys.helpers import full_answers, open_survey, respond


async def test_each_fact_kind_selects_its_members(staff_client, partner_client, member_client):
    # given members that differ in one fact each
    staff = await staff_client(StaffRole.OPERATOR)
    partner = await partner_client([PartnerScope.ORDERS_WRITE, PartnerScope.EVENTS_WRITE])
    m = {name: await make_member() for name in ("a", "b", "c", "d", "e", "f", "g", "h", "i")}
    vip = await tag("vip")
    await MemberTag.create(member_id=m["a"].id, tag_id=vip.id, source=TagSource.MANUAL)
    intent = await LifecycleStage.get(code="INTENT")
    await Member.filter(id=m["b"].id).update(stage_id=intent.id)
    await koc(m["c"].id)
    await badge("GOLD", m["d"].id)
    await order(partner, m["e"].id, 300_00, days_ago=3)
    await order(partner, m["e"].id, 200_00, days_ago=5)
    await event(partner, m["f"].id, "TEST_DRIVE", days_ago=2, payload={"model": "ES6"})
    await event(partner, m["f"].id, "TEST_DRIVE", days_ago=9, payload={"model": "ET5"})
    await converted_referral(m["g"].id)
    await Member.filter(id=m["h"].id).update(region="Shanghai", source_channel="wecom")
    await Member.filter(id=m["i"].id).update(last_active_at=NOW - timedelta(days=1))
    survey = await open_survey(staff)
    answering = await member_client(m["i"])
    assert (await respond(answering, survey["id"], full_answers(survey, owned="no")))[
        "errors"
    ] == []
    owned = {
        o["key"]: o["id"] for q in survey["questions"] for o in q["options"] if q["key"] == "owned"
    }

    def ids(*names):
        return {gid("Member", m[n].id) for n in names}

    async def members(rule):
        return await preview(staff, {"rule": rule}) & ids(*m)

    # when each fact is asked about, then exactly its members match
    assert await members({"tags": {"any": [gid("Tag", vip.id)]}}) == ids("a")
    assert await members({"stage": {"in": ["INTENT"]}}) == ids("b")
    assert await members({"koc": {"statuses": ["ACTIVE"]}}) == ids("c")
    assert await members({"badges": {"all": ["GOLD"]}}) == ids("d")
    assert await members({"orders": {"countAtLeast": 2, "amountAtLeastCents": 500_00}}) == ids("e")
    assert await members({"orders": {"countAtLeast": 2, "withinDays": 4}}) == set()
    assert await members({"events": {"kind": "TEST_DRIVE", "countAtLeast": 2}}) == ids("f")
    assert (
        await members({"events": {"kind": "TEST_DRIVE", "countAtLeast": 2, "withinDays": 7}})
        == set()
    )
    assert await members(
        {"events": {"kind": "TEST_DRIVE", "payloadKey": "model", "payloadValue": "ES6"}}
    ) == ids("f")
    assert await members({"referrals": {"convertedAtLeast": 1}}) == ids("g")
    assert await members({"region": {"in": ["Shanghai"]}}) == ids("h")
    assert await members({"sourceChannel": {"in": ["wecom"]}}) == ids("h")
    assert await members({"lastActive": {"withinDays": 7}}) == ids("i")
    assert await members({"survey": {"optionIds": [owned["no"]]}}) == ids("i")
    assert await members({"survey": {"optionIds": [owned["yes"]]}}) == set()
    assert await members({"created": {"withinDays": 1}}) == ids(*m)


async def test_nested_logic_and_a_refund(staff_client, partner_client):
    staff = await staff_client(StaffRole.ANALYST)
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    buyer, refunded, idle = await make_member(), await make_member(), await make_member()
    await order(partner, buyer.id, 100)
    await refund(partner, await order(partner, refunded.id, 100))
    vip = await tag("vip")
    await MemberTag.create(member_id=idle.id, tag_id=vip.id, source=TagSource.MANUAL)
    # buyers, or members without the vip tag who never bought ...
    rule = {
        "any": [
            {"orders": {}},
            {"all": [{"not": {"tags": {"any": [gid("Tag", vip.id)]}}}, {"not": {"orders": {}}}]},
        ]
    }
    # then the refunded order does not count: the refunded buyer is "never bought" and untagged
    found = await preview(staff, {"rule": rule})
    assert found == {gid("Member", buyer.id), gid("Member", refunded.id)}
    # and a member without a stage is "not in" a stage, under not
    assert gid("Member", idle.id) in await preview(
        staff, {"rule": {"not": {"stage": {"in": ["INTENT"]}}}}
    )


async def test_a_saved_segment_counts_live(staff_client, partner_client):
    staff = await staff_client(StaffRole.OPERATOR)
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    first = await make_member()
    await order(partner, first.id, 100)
    segment = await create_segment(staff, {"orders": {}}, name="Buyers")
    assert segment["memberCount"] == 1
    assert segment["rule"] == {"orders": {}}
    second = await make_member()
    await order(partner, second.id, 100)
    data = await staff.execute("{ segments(first: 10) { edges { node { name memberCount } } } }")
    assert data["segments"]["edges"] == [{"node": {"name": "Buyers", "memberCount": 2}}]
    page = await staff.execute(PREVIEW, {"audience": {"segmentId": segment["id"]}, "first": 1})
    assert page["segmentMembers"]["totalCount"] == 2
    assert [e["node"]["id"] for e in page["segmentMembers"]["edges"]] == [gid("Member", second.id)]


async def test_rule_errors_name_the_path_and_write_nothing(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    vip = await tag("vip")
    bad = {
        "any": [
            {"tags": {"any": [gid("Tag", vip.id)]}},
            {"region": {"in": ["x"]}},
            {"events": {"kind": "TEST_DRIVE", "withinDays": 0}},
        ]
    }
    data = await staff.execute(SEGMENT_CREATE, {"input": {"name": "Bad", "rule": bad}})
    assert data["segmentCreate"]["errors"] == [
        {
            "field": "rule.any[2].events.withinDays",
            "code": "INVALID_RULE",
            "message": "A whole number from 1 to 3650.",
        }
    ]
    missing = {"all": [{"stage": {"in": ["NOPE"]}}]}
    data = await staff.execute(SEGMENT_CREATE, {"input": {"name": "Bad", "rule": missing}})
    assert [(e["field"], e["code"]) for e in data["segmentCreate"]["errors"]] == [
        ("rule.all[0].stage.in", "NOT_FOUND")
    ]
    wrong_id = {"not": {"tags": {"none": [gid("Member", 1)]}}}
    data = await staff.execute(SEGMENT_CREATE, {"input": {"name": "Bad", "rule": wrong_id}})
    assert [e["field"] for e in data["segmentCreate"]["errors"]] == ["rule.not.tags.none"]
    two = {"tags": {"any": [gid("Tag", vip.id)]}, "region": {"in": ["x"]}}
    data = await staff.execute(SEGMENT_CREATE, {"input": {"name": "Bad", "rule": two}})
    assert [(e["field"], e["code"]) for e in data["segmentCreate"]["errors"]] == [
        ("rule", "INVALID_RULE")
    ]
    assert await Segment.all().count() == 0
    # and a query's bad rule is a BAD_USER_INPUT error naming the path
    errors = await staff.errors(PREVIEW, {"audience": {"rule": bad}})
    assert errors[0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "rule.any[2].events.withinDays",
    }


async def test_segment_update_and_duplicate_names(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    await make_member(region="Beijing")
    one = await create_segment(staff, {"region": {"in": ["Shanghai"]}}, name="One")
    await create_segment(staff, {"region": {"in": ["Beijing"]}}, name="Two")
    data = await staff.execute(
        SEGMENT_UPDATE, {"input": {"id": one["id"], "rule": {"region": {"in": ["Beijing"]}}}}
    )
    assert data["segmentUpdate"]["segment"]["memberCount"] == 1
    data = await staff.execute(SEGMENT_UPDATE, {"input": {"id": one["id"], "name": "Two"}})
    assert [e["code"] for e in data["segmentUpdate"]["errors"]] == ["DUPLICATE"]


async def test_a_snapshot_keeps_who_the_segment_held_when_used(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    shanghai = [await make_member(region="Shanghai") for _ in range(3)]
    segment = await create_segment(staff, {"region": {"in": ["Shanghai"]}})
    segment_id = (await Segment.get(name="Segment")).id
    shot = await services.snapshot(segment_id, "survey:1")
    # when the segment changes afterwards
    await make_member(region="Shanghai")
    await Member.filter(id=shanghai[0].id).update(region="Beijing")
    # then the snapshot still says who it held at use
    assert shot.member_count == 3
    held = await SegmentSnapshotMember.filter(snapshot_id=shot.id).values_list(
        "member_id", flat=True
    )
    assert sorted(held) == sorted(m.id for m in shanghai)
    data = await staff.execute(
        "query($id: ID!) { segmentSnapshots(segmentId: $id) { usedFor memberCount } }",
        {"id": segment["id"]},
    )
    assert data["segmentSnapshots"] == [{"usedFor": "survey:1", "memberCount": 3}]


async def test_members_list_and_bulk_tags_take_a_rule_or_a_segment(staff_client, partner_client):
    staff = await staff_client(StaffRole.OPERATOR)
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    buyer, other = await make_member(), await make_member()
    await order(partner, buyer.id, 100)
    listed = await staff.execute(
        "query($f: MemberFilterInput) { members(filter: $f) { totalCount edges { node { id } } } }",
        {"f": {"rule": {"orders": {}}}},
    )
    assert [e["node"]["id"] for e in listed["members"]["edges"]] == [gid("Member", buyer.id)]
    segment = await create_segment(staff, {"not": {"orders": {}}})
    vip = await tag("vip")
    data = await staff.execute(
        """mutation($i: MemberTagsInput!) { memberTagsAdd(input: $i) {
             matchedCount errors { field code } job { status } } }""",
        {"i": {"tagIds": [gid("Tag", vip.id)], "filter": {"segmentId": segment["id"]}}},
    )
    assert data["memberTagsAdd"] == {"matchedCount": 1, "errors": [], "job": {"status": "QUEUED"}}
    # the job applies the segment's rule when it runs, as it was when the change was asked for
    await run_pending_jobs()
    assert await MemberTag.filter(tag_id=vip.id).values_list("member_id", flat=True) == [other.id]
    data = await staff.execute(
        """mutation($i: MemberTagsInput!) { memberTagsAdd(input: $i) { errors { field code } } }""",
        {
            "i": {
                "tagIds": [gid("Tag", vip.id)],
                "filter": {"rule": {"orders": {"countAtLeast": 0}}},
            }
        },
    )
    assert data["memberTagsAdd"]["errors"] == [
        {"field": "filter.rule.orders.countAtLeast", "code": "INVALID_RULE"}
    ]


async def test_a_large_rule_costs_the_same_statements_as_a_small_one(staff_client):
    # given a three-fact rule and a rule of 53 facts under nested connectives
    staff = await staff_client(StaffRole.ANALYST)
    tags = [await tag(f"t{i}") for i in range(20)]
    for _ in range(5):
        await make_member(region="Shanghai")
    # (checking that what a rule names exists is one statement per kind of thing named)
    small = {
        "all": [
            {"region": {"in": ["Shanghai"]}},
            {"not": {"tags": {"all": [gid("Tag", tags[0].id)]}}},
            {"not": {"stage": {"atLeast": "CUSTOMER"}}},
        ]
    }
    drives = [{"events": {"kind": "TEST_DRIVE", "countAtLeast": n + 2}} for n in range(10)]
    orders = [{"orders": {"countAtLeast": n + 1, "withinDays": 30}} for n in range(10)]
    large = {
        "all": [
            {"region": {"in": ["Shanghai"]}},
            {"any": [{"not": {"tags": {"all": [gid("Tag", t.id)]}}} for t in tags]},
            {"not": {"all": drives}},
            {"not": {"any": orders}},
            {"not": {"stage": {"atLeast": "CUSTOMER"}}},
            {
                "any": [
                    {"sourceChannel": {"in": ["wecom"]}},
                    {"not": {"koc": {"roles": ["CONTENT"]}}},
                ]
            },
        ]
    }

    async def statements(rule):
        with count_statements() as seen:
            data = await staff.execute(PREVIEW, {"audience": {"rule": rule}, "first": 10})
        return seen.count, data["segmentMembers"]["totalCount"]

    # when each is previewed, then both cost the same statements and find the same members
    assert await statements(large) == await statements(small)
    assert (await statements(large))[1] == 5
