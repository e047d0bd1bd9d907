"""Every staff change lands in the audit log, readable by ADMIN only."""

from koc.auth.models import StaffRole
from koc.members.models import Member
from tests.conftest import gid

LOG = """query($action: String) { auditLog(action: $action, first: 10) { totalCount
  edges { node { actor action objectType objectId before after } } } }"""


async def test_admin_reads_who_did_what(staff_client):
    op = await staff_client(StaffRole.OPERATOR, username="olga")
    member = await Member.create()
    await op.execute(
        """mutation($id: ID!) { memberStageSet(input: {memberId: $id, stage: "INTENT", reason: "visited the store"}) {
        errors { code } } }""",
        {"id": gid("Member", member.id)},
    )
    admin = await staff_client(StaffRole.ADMIN)
    data = await admin.execute(LOG, {"action": "member.stage_set"})
    entry = data["auditLog"]["edges"][0]["node"]
    assert data["auditLog"]["totalCount"] == 1
    assert entry["actor"] == "olga" and entry["objectId"] == str(member.id)
    assert entry["before"] == {"stageId": None}
    assert entry["after"]["reason"] == "visited the store"


async def test_refused_changes_are_not_logged(staff_client):
    op = await staff_client(StaffRole.OPERATOR)
    await op.execute(
        """mutation { tagGroupCreate(input: {name: "", family: SOCIAL}) { errors { code } } }"""
    )
    admin = await staff_client(StaffRole.ADMIN)
    assert (await admin.execute(LOG))["auditLog"]["totalCount"] == 0


async def test_only_admins_read_the_log(staff_client, member_client):
    for client in [
        await staff_client(StaffRole.OPERATOR),
        await staff_client(StaffRole.ANALYST),
        await member_client(),
    ]:
        errors = await client.errors(LOG)
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
