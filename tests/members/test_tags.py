"""Staff build tag groups and tags and put them on members, one by one or in bulk."""

from koc.audit.models import AuditEntry
from koc.auth.models import StaffRole
from koc.members.models import Member, MemberTag, Tag, TagGroup
from koc.worker import run_pending_jobs
from tests.conftest import gid

GROUP = """mutation($i: TagGroupCreateInput!) { tagGroupCreate(input: $i) {
  tagGroup { id name family exclusive } errors { field code message } } }"""
TAG = """mutation($i: TagCreateInput!) { tagCreate(input: $i) {
  tag { id name memberVisible group { name } } errors { field code message } } }"""
ADD = """mutation($i: MemberTagsInput!) { memberTagsAdd(input: $i) { matchedCount changedCount errors { field code } } }"""
REMOVE = """mutation($i: MemberTagsInput!) { memberTagsRemove(input: $i) { matchedCount changedCount errors { field code } } }"""
BULK_ADD = """mutation($i: MemberTagsInput!) { memberTagsAdd(input: $i) {
  matchedCount errors { field code } job { id status } } }"""
BULK_REMOVE = """mutation($i: MemberTagsInput!) { memberTagsRemove(input: $i) {
  matchedCount errors { field code } job { id status } } }"""
JOB = """query($id: ID!) { job(id: $id) { status done total summary error } }"""


async def _group(client, name="Budget", family="CONSUMPTION", exclusive=False) -> str:
    data = await client.execute(
        GROUP, {"i": {"name": name, "family": family, "exclusive": exclusive}}
    )
    assert data["tagGroupCreate"]["errors"] == []
    return data["tagGroupCreate"]["tagGroup"]["id"]


async def _tag(client, group_id, name, visible=False) -> str:
    data = await client.execute(
        TAG, {"i": {"groupId": group_id, "name": name, "memberVisible": visible}}
    )
    assert data["tagCreate"]["errors"] == []
    return data["tagCreate"]["tag"]["id"]


async def test_operator_builds_groups_and_tags(staff_client):
    op = await staff_client(StaffRole.OPERATOR)
    group = await _group(op, "Preference", "CONSUMPTION")
    data = await op.execute(
        TAG, {"i": {"groupId": group, "name": "Space over driving feel", "memberVisible": True}}
    )
    assert data["tagCreate"]["tag"] == {
        "id": data["tagCreate"]["tag"]["id"],
        "name": "Space over driving feel",
        "memberVisible": True,
        "group": {"name": "Preference"},
    }
    listed = await op.execute("{ tagGroups { name family tags { name } } }")
    assert listed["tagGroups"] == [
        {
            "name": "Preference",
            "family": "CONSUMPTION",
            "tags": [{"name": "Space over driving feel"}],
        }
    ]
    assert await AuditEntry.filter(action__in=["tag_group.create", "tag.create"]).count() == 2


async def test_bad_tag_input_writes_nothing(staff_client):
    op = await staff_client(StaffRole.OPERATOR)
    group = await _group(op)
    cases = [
        (GROUP, {"name": "", "family": "SOCIAL"}, "tagGroupCreate", "name", "INVALID"),
        (GROUP, {"name": "Budget", "family": "SOCIAL"}, "tagGroupCreate", "name", "DUPLICATE"),
        (
            GROUP,
            {"name": "G", "family": "SOCIAL", "description": "x" * 2001},
            "tagGroupCreate",
            "description",
            "INVALID",
        ),
        (TAG, {"groupId": group, "name": "x" * 65}, "tagCreate", "name", "INVALID"),
        (
            TAG,
            {"groupId": gid("TagGroup", 999), "name": "ok"},
            "tagCreate",
            "groupId",
            "GROUP_NOT_FOUND",
        ),
        (TAG, {"groupId": gid("Member", 1), "name": "ok"}, "tagCreate", "groupId", "INVALID"),
    ]
    for query, payload, name, field, code in cases:
        data = (await op.execute(query, {"i": payload}))[name]
        assert data["errors"] == [
            {"field": field, "code": code, "message": data["errors"][0]["message"]}
        ]
    await _tag(op, group, "High")
    dup = await op.execute(TAG, {"i": {"groupId": group, "name": "High"}})
    assert dup["tagCreate"]["errors"][0]["code"] == "DUPLICATE"
    assert await TagGroup.all().count() == 1 and await Tag.all().count() == 1


async def test_analyst_and_members_cannot_change_tags(staff_client, member_client):
    for client in [await staff_client(StaffRole.ANALYST), await member_client()]:
        errors = await client.errors(GROUP, {"i": {"name": "X", "family": "SOCIAL"}})
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert await TagGroup.all().count() == 0


async def test_tag_one_member_and_exclusive_groups_replace(staff_client):
    op = await staff_client(StaffRole.OPERATOR)
    budget = await _group(op, "Budget", exclusive=True)
    low, high = await _tag(op, budget, "Low"), await _tag(op, budget, "High")
    member = await Member.create()
    data = await op.execute(
        ADD,
        {"i": {"memberIds": [gid("Member", member.id)], "tagIds": [low], "note": "said in 1-on-1"}},
    )
    assert data["memberTagsAdd"] == {"matchedCount": 1, "changedCount": 1, "errors": []}
    # adding the same tag again changes nothing
    again = await op.execute(ADD, {"i": {"memberIds": [gid("Member", member.id)], "tagIds": [low]}})
    assert again["memberTagsAdd"]["changedCount"] == 0
    # the exclusive group's other tag replaces it
    await op.execute(ADD, {"i": {"memberIds": [gid("Member", member.id)], "tagIds": [high]}})
    tags = await op.execute(
        "query($id: ID!) { member(id: $id) { tags { source cause assignedBy tag { name } } } }",
        {"id": gid("Member", member.id)},
    )
    assert tags["member"]["tags"] == [
        {
            "source": "MANUAL",
            "cause": "",
            "assignedBy": (await _username(op)),
            "tag": {"name": "High"},
        }
    ]
    # two tags of one exclusive group at once is refused, nothing written
    both = await op.execute(
        ADD, {"i": {"memberIds": [gid("Member", member.id)], "tagIds": [low, high]}}
    )
    assert both["memberTagsAdd"]["errors"] == [{"field": "tagIds", "code": "EXCLUSIVE_CONFLICT"}]
    assert await MemberTag.filter(member_id=member.id).count() == 1


async def _username(client) -> str:
    return (await client.execute("{ staffMe { username } }"))["staffMe"]["username"]


async def test_bulk_add_and_remove_by_filter(staff_client):
    op = await staff_client(StaffRole.OPERATOR)
    region = await _group(op, "Region", "SOCIAL")
    shanghai = await _tag(op, region, "Shanghai")
    activities = await _group(op, "Activities", "BEHAVIOR")
    salon = await _tag(op, activities, "Salon 2026")
    members = [await Member.create(nickname=f"m{i}") for i in range(5)]
    await op.execute(
        ADD, {"i": {"memberIds": [gid("Member", m.id) for m in members[:3]], "tagIds": [shanghai]}}
    )
    # everyone tagged Shanghai gets the salon tag, by a job
    data = await op.execute(BULK_ADD, {"i": {"filter": {"tagsAll": [shanghai]}, "tagIds": [salon]}})
    added = data["memberTagsAdd"]
    assert (added["matchedCount"], added["errors"], added["job"]["status"]) == (3, [], "QUEUED")
    assert await MemberTag.filter(tag_id=int(await _pk(salon))).count() == 0
    await run_pending_jobs()
    job = (await op.execute(JOB, {"id": added["job"]["id"]}))["job"]
    assert job == {
        "status": "DONE",
        "done": 3,
        "total": 3,
        "summary": "3 tag assignments added to 3 members",
        "error": "",
    }
    assert await MemberTag.filter(tag_id=int(await _pk(salon))).count() == 3
    removed = await op.execute(
        BULK_REMOVE, {"i": {"filter": {"tagsAny": [salon]}, "tagIds": [salon, shanghai]}}
    )
    await run_pending_jobs()
    job = (await op.execute(JOB, {"id": removed["memberTagsRemove"]["job"]["id"]}))["job"]
    assert job["summary"] == "6 tag assignments removed from 3 members"
    assert await MemberTag.all().count() == 0
    assert await AuditEntry.filter(action="member_tags.remove").count() == 1


async def _pk(global_id: str) -> str:
    from strawberry.relay import from_base64

    return from_base64(global_id)[1]


async def test_bulk_input_errors(staff_client):
    op = await staff_client(StaffRole.OPERATOR)
    group = await _group(op)
    tag = await _tag(op, group, "A")
    member = await Member.create()
    cases = [
        ({"tagIds": [tag]}, "memberIds", "INVALID"),  # neither ids nor filter
        (
            {"tagIds": [tag], "memberIds": [gid("Member", member.id)], "filter": {}},
            "memberIds",
            "INVALID",
        ),
        ({"tagIds": [], "memberIds": [gid("Member", member.id)]}, "tagIds", "INVALID"),
        (
            {"tagIds": [gid("Tag", 999)], "memberIds": [gid("Member", member.id)]},
            "tagIds",
            "NOT_FOUND",
        ),
        ({"tagIds": [tag], "memberIds": [gid("Member", 999)]}, "members", "NO_MEMBERS"),
        ({"tagIds": [tag], "filter": {"search": "nobody-matches"}}, "members", "NO_MEMBERS"),
        (
            {"tagIds": [tag], "memberIds": [gid("Member", member.id)], "note": "x" * 201},
            "note",
            "INVALID",
        ),
    ]
    for payload, field, code in cases:
        data = (await op.execute(ADD, {"i": payload}))["memberTagsAdd"]
        assert data["errors"] == [{"field": field, "code": code}], payload
    assert await MemberTag.all().count() == 0


async def test_members_see_only_visible_tags(staff_client, member_client):
    op = await staff_client(StaffRole.OPERATOR)
    group = await _group(op, "Interests", "CONSUMPTION")
    visible, hidden = (
        await _tag(op, group, "Outdoor", visible=True),
        await _tag(op, group, "Price sensitive"),
    )
    me = await member_client()
    await op.execute(
        ADD,
        {"i": {"memberIds": [me.member_gid], "tagIds": [visible, hidden], "note": "private note"}},
    )
    data = await me.execute("{ me { tags { cause assignedBy tag { name } } } }")
    assert data["me"]["tags"] == [{"cause": "", "assignedBy": None, "tag": {"name": "Outdoor"}}]
    errors = await me.errors("query($id: ID!) { node(id: $id) { id } }", {"id": hidden})
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
