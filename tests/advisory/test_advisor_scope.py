"""An ADVISOR reads and changes only the members it owns, in every position: the member list,
`member`, `node`, nested fields, single and bulk changes. Another advisor's member and a member
of the pool are refused (FORBIDDEN) or left out (lists, filters), and nothing is written."""

from koc.auth.models import StaffRole
from koc.members.models import Member, MemberTag, Tag, TagGroup
from tests.conftest import gid, make_member

FORBIDDEN = "FORBIDDEN"


async def _world(staff_client):
    ada = await staff_client(StaffRole.ADVISOR)
    bob = await staff_client(StaffRole.ADVISOR)
    mine = await make_member(owner_id=ada.staff_id, nickname="mine")
    theirs = await make_member(owner_id=bob.staff_id, nickname="theirs")
    pool = await make_member(nickname="pool")
    return ada, mine, theirs, pool


def _codes(errors) -> set[str]:
    return {e["extensions"]["code"] for e in errors}


async def test_lists_hold_only_the_advisors_members(staff_client):
    ada, mine, _, _ = await _world(staff_client)
    query = (
        "query($f: MemberFilterInput) { members(filter: $f) { totalCount edges { node { id } } } }"
    )
    data = (await ada.execute(query))["members"]
    assert data["totalCount"] == 1
    assert [e["node"]["id"] for e in data["edges"]] == [gid("Member", mine.id)]
    # a filter matching every member still stays inside the advisor's scope
    searched = (await ada.execute(query, {"f": {"search": "e"}}))["members"]
    assert [e["node"]["id"] for e in searched["edges"]] == [gid("Member", mine.id)]
    # control: an analyst lists all three
    analyst = await staff_client(StaffRole.ANALYST)
    assert (await analyst.execute(query))["members"]["totalCount"] == 3


async def test_member_and_node_refuse_other_members(staff_client):
    ada, mine, theirs, pool = await _world(staff_client)
    one = "query($id: ID!) { member(id: $id) { nickname } }"
    node = "query($id: ID!) { node(id: $id) { ... on Member { nickname } } }"
    for query, key in ((one, "member"), (node, "node")):
        assert (await ada.execute(query, {"id": gid("Member", mine.id)}))[key] == {
            "nickname": "mine"
        }
        for other in (theirs, pool):
            errors = await ada.errors(query, {"id": gid("Member", other.id)})
            assert _codes(errors) == {FORBIDDEN}


async def test_nested_fields_of_an_own_member_show_the_staff_view(staff_client):
    ada, mine, _, _ = await _world(staff_client)
    group = await TagGroup.create(name="Budget", family="CONSUMPTION")
    tag = await Tag.create(group=group, name="500k+")  # not member-visible
    await MemberTag.create(member=mine, tag=tag, source="MANUAL", cause="said so in the chat")
    query = """query($id: ID!) { member(id: $id) {
      tags { cause tag { name } } stageHistory { reason } } }"""
    data = (await ada.execute(query, {"id": gid("Member", mine.id)}))["member"]
    assert data["tags"] == [{"cause": "said so in the chat", "tag": {"name": "500k+"}}]
    assert data["stageHistory"] == []


async def test_changes_to_other_members_are_refused_and_write_nothing(staff_client):
    ada, mine, theirs, pool = await _world(staff_client)
    stage = """mutation($id: ID!) { memberStageSet(input: {memberId: $id, stage: "INTENT",
      reason: "test drive booked"}) { member { stage { code } } errors { code } } }"""
    profile = """mutation($id: ID!) { memberProfileUpdate(input: {memberId: $id,
      region: "Hangzhou"}) { member { region } errors { code } } }"""
    for other in (theirs, pool):
        assert _codes(await ada.errors(stage, {"id": gid("Member", other.id)})) == {FORBIDDEN}
        assert _codes(await ada.errors(profile, {"id": gid("Member", other.id)})) == {FORBIDDEN}
    assert await Member.filter(region="Hangzhou").count() == 0
    # control: the advisor's own member changes
    done = await ada.execute(profile, {"id": gid("Member", mine.id)})
    assert done["memberProfileUpdate"] == {"member": {"region": "Hangzhou"}, "errors": []}
    moved = await ada.execute(stage, {"id": gid("Member", mine.id)})
    assert moved["memberStageSet"] == {"member": {"stage": {"code": "INTENT"}}, "errors": []}


async def test_bulk_tags_by_filter_cover_only_own_members_and_by_id_refuse_others(staff_client):
    ada, mine, theirs, pool = await _world(staff_client)
    group = await TagGroup.create(name="Interest", family="CONSUMPTION")
    tag = await Tag.create(group=group, name="SUV")
    add = """mutation($input: MemberTagsInput!) { memberTagsAdd(input: $input) {
      matchedCount changedCount errors { code } } }"""
    by_filter = {"tagIds": [gid("Tag", tag.id)], "filter": {}}
    data = (await ada.execute(add, {"input": by_filter}))["memberTagsAdd"]
    assert (data["matchedCount"], data["changedCount"]) == (1, 1)
    by_ids = {"tagIds": [gid("Tag", tag.id)], "memberIds": [gid("Member", theirs.id)]}
    assert _codes(await ada.errors(add, {"input": by_ids})) == {FORBIDDEN}
    mixed = {
        "tagIds": [gid("Tag", tag.id)],
        "memberIds": [gid("Member", mine.id), gid("Member", pool.id)],
    }
    assert _codes(await ada.errors(add, {"input": mixed})) == {FORBIDDEN}
    held = await MemberTag.filter(tag_id=tag.id).values_list("member_id", flat=True)
    assert held == [mine.id]


async def test_an_advisor_reads_no_other_data_of_the_brand(staff_client):
    ada, _, _, _ = await _world(staff_client)
    for query in (
        "{ auditLog { totalCount } }",
        "{ kocs { totalCount } }",
        "{ staffUsers { id } }",
    ):
        assert _codes(await ada.errors(query)) == {FORBIDDEN}
