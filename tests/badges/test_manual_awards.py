"""Staff award and revoke badges by hand; revoking keeps the history."""

from koc.auth.models import StaffRole
from tests.badges.factories import (
    BADGE_AWARD,
    BADGE_REVOKE,
    codes,
    create_badge,
    my_badges,
    record_event,
)
from tests.conftest import gid

HISTORY = """
query($id: ID!) {
  member(id: $id) { ... on Member {
    badges(includeRevoked: true) { badge { code } revokedAt }
    badgeHistory { action source reason by badge { code } }
  } }
}"""


async def _award(staff, mutation, member, badge_id, reason="Organised the spring salon"):
    name = "badgeAward" if mutation is BADGE_AWARD else "badgeRevoke"
    input = {"memberId": member.member_gid, "badgeId": badge_id, "reason": reason}
    return (await staff.execute(mutation, {"input": input}))[name]


async def test_staff_award_a_manual_badge_with_their_reason(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR, username="lin")
    badge = (await create_badge(staff, code="SALON_HOST"))["badge"]
    member = await member_client()

    payload = await _award(staff, BADGE_AWARD, member, badge["id"])

    assert payload["errors"] == []
    assert payload["award"]["source"] == "STAFF"
    assert payload["award"]["awardedBy"] == "lin"
    me = await my_badges(member)
    assert codes(me) == ["SALON_HOST"]
    assert me["badges"][0]["reason"] == "Organised the spring salon"


async def test_a_badge_is_held_once(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    badge = (await create_badge(staff))["badge"]
    member = await member_client()
    await _award(staff, BADGE_AWARD, member, badge["id"])

    payload = await _award(staff, BADGE_AWARD, member, badge["id"])

    assert payload["award"] is None
    assert [e["code"] for e in payload["errors"]] == ["ALREADY_HELD"]
    assert len((await my_badges(member))["badges"]) == 1


async def test_revoking_keeps_the_history_and_staff_can_give_it_back(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    badge = (await create_badge(staff, code="PIONEER"))["badge"]
    member = await member_client()
    await _award(staff, BADGE_AWARD, member, badge["id"])

    revoked = await _award(staff, BADGE_REVOKE, member, badge["id"], "Awarded by mistake")
    assert revoked["errors"] == [] and revoked["award"]["revokedAt"] is not None
    assert codes(await my_badges(member)) == []
    again = await _award(staff, BADGE_REVOKE, member, badge["id"], "Twice")
    assert [e["code"] for e in again["errors"]] == ["NOT_HELD"]

    view = (await staff.execute(HISTORY, {"id": member.member_gid}))["member"]
    assert view["badges"][0]["revokedAt"] is not None
    assert [(h["action"], h["reason"]) for h in view["badgeHistory"]] == [
        ("AWARD", "Organised the spring salon"),
        ("REVOKE", "Awarded by mistake"),
    ]

    await _award(staff, BADGE_AWARD, member, badge["id"], "Cleared up")
    assert codes(await my_badges(member)) == ["PIONEER"]


async def test_rules_never_give_back_a_revoked_badge(staff_client, member_client, partner_client):
    staff = await staff_client(StaffRole.OPERATOR)
    badge = (await create_badge(staff, code="GOER", rule="EVENTS_ATTENDED", threshold=1))["badge"]
    member = await member_client()
    partner = await partner_client(["events:write"])
    await record_event(partner, member.member_gid, "EVENT_ATTENDED")
    await _award(staff, BADGE_REVOKE, member, badge["id"], "Attendance was faked")

    await record_event(partner, member.member_gid, "EVENT_ATTENDED")

    me = await my_badges(member)
    assert codes(me) == []
    assert me["badgeProgress"] == []  # a revoked badge is not something to work toward


async def test_award_errors_are_typed_and_nothing_is_written(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    badge = (await create_badge(staff))["badge"]
    member = await member_client()

    blank = await _award(staff, BADGE_AWARD, member, badge["id"], "  ")
    unknown = await staff.execute(
        BADGE_AWARD,
        {"input": {"memberId": gid("Member", 999999), "badgeId": badge["id"], "reason": "x"}},
    )
    wrong_kind = await staff.execute(
        BADGE_AWARD,
        {"input": {"memberId": member.member_gid, "badgeId": member.member_gid, "reason": "x"}},
    )

    assert [(e["field"], e["code"]) for e in blank["errors"]] == [("reason", "INVALID")]
    assert unknown["badgeAward"]["errors"][0]["code"] == "MEMBER_NOT_FOUND"
    assert wrong_kind["badgeAward"]["errors"][0]["field"] == "badgeId"
    assert codes(await my_badges(member)) == []


async def test_only_operators_award(staff_client, member_client):
    operator = await staff_client(StaffRole.OPERATOR)
    badge = (await create_badge(operator))["badge"]
    member = await member_client()
    analyst = await staff_client(StaffRole.ANALYST)
    input = {"memberId": member.member_gid, "badgeId": badge["id"], "reason": "me"}

    for caller in (analyst, member):
        errors = await caller.errors(BADGE_AWARD, {"input": input})
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
