"""A prospect found to be an existing member brings its badges, signals and grants along."""

from tortoise.transactions import in_transaction

from koc.auth.models import StaffRole
from koc.members.models import Member
from koc.orders.prospects import merge_prospect
from tests.badges.factories import codes, create_badge, my_badges, record_event
from tests.conftest import gid, make_member
from tests.privileges.factories import create_privilege, my_codes


async def test_merging_a_prospect_moves_badges_signals_and_grants(
    staff_client, member_client, partner_client
):
    # given a prospect (reported by a dealer) who attended one event and holds a privilege
    staff = await staff_client(StaffRole.OPERATOR)
    await create_badge(staff, code="GOER", rule="EVENTS_ATTENDED", threshold=1)
    await create_badge(staff, code="REGULAR", rule="EVENTS_ATTENDED", threshold=2)
    privilege = (await create_privilege(staff, code="TEA"))["privilege"]
    prospect = await make_member(phone="+8613800000001")
    member = await member_client()
    partner = await partner_client(["events:write"])
    await record_event(partner, gid("Member", prospect.id), "EVENT_ATTENDED")
    await staff.execute(
        """mutation($input: PrivilegeGrantInput!) { privilegeGrant(input: $input) { errors { code } } }""",
        {
            "input": {
                "memberId": gid("Member", prospect.id),
                "privilegeId": privilege["id"],
                "reason": "Met at the store",
            }
        },
    )
    # and the member attended another event
    await record_event(partner, member.member_gid, "EVENT_ATTENDED")

    # when the prospect turns out to be the member
    async with in_transaction():
        await merge_prospect(prospect, into=await Member.get(id=member.member_id))

    # then the member holds both event badges (two events now) and the privilege
    assert codes(await my_badges(member)) == ["GOER", "REGULAR"]
    assert await my_codes(member) == ["TEA"]
