"""EVENT and TICKET privileges have seats: RSVP, cancellation and check-in."""

from koc.auth.models import StaffRole
from tests.privileges.factories import (
    REDEMPTION_CODE,
    RSVP,
    RSVP_CANCEL,
    create_privilege,
    error_codes,
    grant,
    my_grants,
    redeem,
)

REPORT = (
    "{ privilegeReport { rows { privilege { code } seatsReserved redemptions remainingStock } } }"
)


async def _rsvp(client, privilege_id, mutation=RSVP, **extra):
    name = "privilegeRsvp" if mutation is RSVP else "privilegeRsvpCancel"
    input = {"privilegeId": privilege_id, **extra}
    return (await client.execute(mutation, {"input": input}))[name]


async def test_seats_are_reserved_cancelled_and_checked_in(
    staff_client, member_client, partner_client
):
    # given a salon with two seats and three invited members
    staff = await staff_client(StaffRole.OPERATOR)
    salon = (await create_privilege(staff, code="SPRING_SALON", kind="EVENT", totalStock=2))[
        "privilege"
    ]
    a, b, c = [await member_client() for _ in range(3)]
    for m in (a, b, c):
        await grant(staff, m, salon["id"])

    # when two reserve, the third finds it full
    assert (await _rsvp(a, salon["id"]))["rsvp"] == {"status": "RESERVED"}
    assert (await _rsvp(b, salon["id"]))["errors"] == []
    assert error_codes(await _rsvp(c, salon["id"])) == ["OUT_OF_STOCK"]
    assert error_codes(await _rsvp(a, salon["id"])) == ["ALREADY_RESERVED"]

    # when one cancels, the seat goes to the third
    assert (await _rsvp(a, salon["id"], RSVP_CANCEL))["rsvp"] == {"status": "CANCELLED"}
    assert (await _rsvp(c, salon["id"]))["errors"] == []

    # then at the door: the cancelled member has no seat, a reserved one checks in by QR
    assert error_codes(await redeem(a, privilegeId=salon["id"], idempotencyKey="door")) == [
        "NOT_RESERVED"
    ]
    code = (await b.execute(REDEMPTION_CODE, {"id": salon["id"]}))["privilegeRedemptionCode"]
    door = await partner_client(["privileges:redeem"])
    checked = await redeem(door, code=code["redemptionCode"]["code"])
    assert checked["errors"] == []
    (grant_view,) = await my_grants(b, include_inactive=True)
    assert grant_view["status"] == "REDEEMED" and grant_view["rsvp"] == {"status": "CHECKED_IN"}
    assert error_codes(await _rsvp(b, salon["id"], RSVP_CANCEL)) == ["NOT_RESERVED"]

    # and the report shows one seat still reserved, one check-in, none left
    analyst = await staff_client(StaffRole.ANALYST)
    (row,) = (await analyst.execute(REPORT))["privilegeReport"]["rows"]
    assert row == {
        "privilege": {"code": "SPRING_SALON"},
        "seatsReserved": 1,
        "redemptions": 1,
        "remainingStock": 0,
    }


async def test_staff_reserve_for_a_member_and_rsvp_needs_an_event(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    ticket = (await create_privilege(staff, kind="TICKET", totalStock=5))["privilege"]
    gift = (await create_privilege(staff, kind="GIFT"))["privilege"]
    member = await member_client()
    await grant(staff, member, ticket["id"])
    await grant(staff, member, gift["id"])

    assert (await _rsvp(staff, ticket["id"], memberId=member.member_gid))["errors"] == []
    assert error_codes(await _rsvp(member, gift["id"])) == ["INVALID"]
    assert error_codes(await _rsvp(await member_client(), ticket["id"])) == ["NOT_ELIGIBLE"]


async def test_revoking_a_grant_gives_the_seat_back(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    event = (await create_privilege(staff, kind="EVENT", totalStock=1))["privilege"]
    first, second = await member_client(), await member_client()
    for m in (first, second):
        await grant(staff, m, event["id"])
    await _rsvp(first, event["id"])

    revoked = await staff.execute(
        """mutation($input: PrivilegeRevokeInput!) { privilegeRevoke(input: $input) { errors { code } } }""",
        {"input": {"memberId": first.member_gid, "privilegeId": event["id"], "reason": "Moved"}},
    )

    assert revoked["privilegeRevoke"]["errors"] == []
    assert (await _rsvp(second, event["id"]))["errors"] == []
