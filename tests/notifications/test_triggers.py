"""Each trigger tells its member once, in the inbox and (when mapped) as one subscribe message,
even when its event or scan is replayed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from strawberry import relay

from koc.auth.models import PartnerScope, StaffRole
from koc.consent.models import Purpose
from koc.creators.models import KocApplication
from koc.members.models import LifecycleStage, Member
from koc.notifications import triggers
from koc.notifications.models import NotificationKind, SubscribeMessage
from koc.privileges.models import (
    GrantSource,
    Privilege,
    PrivilegeGrant,
    PrivilegeKind,
    PrivilegeRsvp,
    RsvpStatus,
)
from koc.segments.models import SegmentSnapshot
from koc.segments.services import snapshot_members
from tests.badges.factories import create_badge
from tests.conftest import gid
from tests.consent.factories import decide
from tests.creators.factories import apply, make_koc, review
from tests.notifications.factories import badge_mapping, survey_mapping
from tests.privileges.factories import create_privilege, grant
from tests.referrals.helpers import ISSUE_DUE, bind, code_of, make_due, record_order, refund
from tests.segments.factories import create_segment
from tests.surveys.helpers import create_survey, open_survey

INBOX = "{ me { notifications { edges { node { kind title body link } } } } }"
AWARD = """mutation($input: BadgeAwardInput!) { badgeAward(input: $input) { errors { code } } }"""


async def _kinds(member) -> list[tuple[str, str]]:
    edges = (await member.execute(INBOX))["me"]["notifications"]["edges"]
    return [(e["node"]["kind"], e["node"]["body"]) for e in edges]


async def test_a_koc_approval_tells_the_member_with_the_certificate(
    app, member_client, staff_client
) -> None:
    operator = await staff_client(StaffRole.OPERATOR)
    member = await member_client()
    # when staff approve the member's application (through the API)
    await make_koc(member, operator, ["CONTENT"])
    # then the inbox holds the approval and the activation naming the certificate and role
    kinds = dict(await _kinds(member))
    assert set(kinds) == {"KOC_APPLICATION_APPROVED", "KOC_ACTIVATED"}
    assert "内容达人" in kinds["KOC_ACTIVATED"] and "KOC-" in kinds["KOC_ACTIVATED"]
    assert kinds["KOC_APPLICATION_APPROVED"] == (
        "Welcome aboard: your application as 内容达人 was approved."
    )
    # and replaying either event adds nothing
    assert await triggers.kocs_activated([member.member_id], ["CONTENT"]) == []
    ids = [a.id for a in await _applications()]
    assert await triggers.koc_applications_reviewed(ids) == []


async def test_a_declined_application_tells_why(app, member_client, staff_client) -> None:
    operator = await staff_client(StaffRole.OPERATOR)
    declined = await member_client()
    applied = await apply(declined, ["EXPERIENCE"])
    await review(
        operator, applied["application"]["id"], decision="REJECT", reason="资料不完整，请补充。"
    )
    assert await _kinds(declined) == [
        ("KOC_APPLICATION_DECLINED", "Your KOC application was declined: 资料不完整，请补充。")
    ]


async def _applications() -> list[KocApplication]:
    return list(await KocApplication.all())


async def test_a_badge_award_queues_one_message(app, member_client, staff_client) -> None:
    await badge_mapping()
    operator = await staff_client(StaffRole.OPERATOR)
    member = await member_client()
    badge = (await create_badge(operator, name="首批车主"))["badge"]
    award = {"memberId": member.member_gid, "badgeId": badge["id"], "reason": "Welcome"}
    assert (await operator.execute(AWARD, {"input": award}))["badgeAward"]["errors"] == []
    [(kind, body)] = await _kinds(member)
    assert (kind, body) == ("BADGE_EARNED", "You earned the badge 首批车主.")
    assert await SubscribeMessage.filter(member_id=member.member_id).count() == 1
    # a later badge change of the member re-reads their badges: nothing new
    await triggers.badges_awarded([member.member_id])
    assert await SubscribeMessage.filter(member_id=member.member_id).count() == 1


async def _grant(member_id: int, **privilege: Any) -> PrivilegeGrant:
    values = {"code": f"P{member_id}", "name": "终身售后", "kind": PrivilegeKind.GIFT, **privilege}
    p = await Privilege.create(**values)
    now = datetime.now(UTC)
    return await PrivilegeGrant.create(
        member_id=member_id,
        privilege_id=p.id,
        source=GrantSource.MANUAL,
        granted_at=now,
        expires_at=now + timedelta(days=2),
    )


async def test_a_privilege_granted_by_staff_tells_the_member(
    app, member_client, staff_client
) -> None:
    operator = await staff_client(StaffRole.OPERATOR)
    member = await member_client()
    privilege = (await create_privilege(operator, name="终身售后"))["privilege"]
    await grant(operator, member, privilege["id"])
    [(kind, body)] = await _kinds(member)
    assert kind == "PRIVILEGE_GRANTED" and "终身售后" in body


async def test_privileges_granted_and_expiring(app, member_client) -> None:
    member = await member_client()
    grant = await _grant(member.member_id)
    assert len(await triggers.privileges_granted([grant.id])) == 1
    assert await triggers.privileges_granted([grant.id]) == []
    # the daily scan: expiring in 2 days, within the 3-day window, told once
    assert len(await triggers.privileges_expiring()) == 1
    assert await triggers.privileges_expiring() == []
    kinds = await _kinds(member)
    assert [k for k, _ in kinds] == ["PRIVILEGE_EXPIRING", "PRIVILEGE_GRANTED"]
    assert "use it within 2 days" in kinds[0][1]


async def test_seat_reminders_the_day_before(app, member_client) -> None:
    member = await member_client()
    now = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    tomorrow_evening = datetime(2026, 12, 8, 11, 0, tzinfo=UTC)  # 19:00 local
    grant = await _grant(member.member_id, kind=PrivilegeKind.EVENT, starts_at=tomorrow_evening)
    await PrivilegeRsvp.create(
        grant_id=grant.id,
        member_id=member.member_id,
        privilege_id=grant.privilege_id,
        status=RsvpStatus.RESERVED,
        reserved_at=now,
    )
    # two days before: nothing; the day before: one reminder; again: nothing
    assert await triggers.seats_tomorrow(now - timedelta(days=1)) == []
    assert len(await triggers.seats_tomorrow(now)) == 1
    assert await triggers.seats_tomorrow(now + timedelta(hours=1)) == []
    [(kind, body)] = await _kinds(member)
    assert kind == "SEAT_REMINDER" and "2026年12月08日 19:00" in body


async def test_a_survey_invitation_reaches_the_consenting_audience_once(
    app, member_client, staff_client
) -> None:
    await survey_mapping()
    operator = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(operator, title="充电桩需求调研")
    yes, no = await member_client(), await member_client()
    await decide(yes.member_id, Purpose.MARKETING, True)
    invite = """mutation($id: ID!) { surveyInvitationSend(input: {surveyId: $id}) {
      invitedCount errors { field code } } }"""
    sent = await operator.execute(invite, {"id": survey["id"]})
    assert sent["surveyInvitationSend"] == {"invitedCount": 1, "errors": []}
    sent = await operator.execute(invite, {"id": survey["id"]})
    assert sent["surveyInvitationSend"]["invitedCount"] == 0
    assert [k for k, _ in await _kinds(yes)] == ["SURVEY_INVITATION"]
    assert await _kinds(no) == []
    assert await SubscribeMessage.filter(kind=NotificationKind.SURVEY_INVITATION).count() == 1


async def test_an_invitation_to_a_saved_segment_records_whom_it_held(
    app, member_client, staff_client
) -> None:
    # given a saved segment of customers, two of them consenting, and a prospect outside it
    await survey_mapping()
    operator = await staff_client(StaffRole.OPERATOR)
    customer = await LifecycleStage.get(code="CUSTOMER")
    intent = await LifecycleStage.get(code="INTENT")
    segment = await create_segment(operator, {"stage": {"in": ["CUSTOMER"]}}, name="Customers")
    survey = await open_survey(operator, title="充电桩需求调研")
    survey_id = int(relay.GlobalID.from_id(survey["id"]).node_id)
    buyers = [await member_client(stage_id=customer.id) for _ in range(2)]
    prospect = await member_client(stage_id=intent.id)
    for m in [*buyers, prospect]:
        await decide(m.member_id, Purpose.MARKETING, True)
    # when staff invite the segment
    invite = """mutation($id: ID!, $segment: ID!) {
      surveyInvitationSend(input: {surveyId: $id, segmentId: $segment}) {
        invitedCount snapshot { usedFor memberCount } errors { field code } } }"""
    sent = await operator.execute(invite, {"id": survey["id"], "segment": segment["id"]})
    # then its members are invited, the prospect is not, and whom it held is recorded
    assert sent["surveyInvitationSend"] == {
        "invitedCount": 2,
        "snapshot": {"usedFor": f"survey:{survey_id}", "memberCount": 2},
        "errors": [],
    }
    assert await _kinds(prospect) == []
    # and a member who leaves the segment later is still in what the invitation recorded
    await Member.filter(id=buyers[0].member_id).update(stage_id=intent.id)
    shot = await SegmentSnapshot.get(used_for=f"survey:{survey_id}")
    held = await snapshot_members(shot.id).values_list("id", flat=True)
    assert sorted(held) == sorted(b.member_id for b in buyers)
    shots = await operator.execute(
        "query($id: ID!) { segmentSnapshots(segmentId: $id) { usedFor memberCount } }",
        {"id": segment["id"]},
    )
    assert shots["segmentSnapshots"] == [{"usedFor": f"survey:{survey_id}", "memberCount": 2}]


async def test_an_invitation_to_a_missing_segment_records_nothing(app, staff_client) -> None:
    operator = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(operator, title="Open")
    invite = """mutation($id: ID!, $segment: ID!) {
      surveyInvitationSend(input: {surveyId: $id, segmentId: $segment}) {
        invitedCount snapshot { usedFor } errors { field code } } }"""
    sent = await operator.execute(invite, {"id": survey["id"], "segment": gid("Segment", 999)})
    assert sent["surveyInvitationSend"] == {
        "invitedCount": 0,
        "snapshot": None,
        "errors": [{"field": "segmentId", "code": "NOT_FOUND"}],
    }
    assert await SegmentSnapshot.all().count() == 0


async def test_only_an_open_survey_takes_invitations(app, staff_client) -> None:
    operator = await staff_client(StaffRole.OPERATOR)
    draft = await create_survey(operator, title="Not yet")
    invite = """mutation($id: ID!) { surveyInvitationSend(input: {surveyId: $id}) {
      invitedCount errors { field code } } }"""
    sent = await operator.execute(invite, {"id": draft["id"]})
    assert sent["surveyInvitationSend"] == {
        "invitedCount": 0,
        "errors": [{"field": "surveyId", "code": "NOT_FOUND"}],
    }


async def test_referral_rewards_issued_then_clawed_back_tell_the_referrer(
    app, member_client, staff_client, partner_client
) -> None:
    # given a referrer whose friend's order earned a reward that staff issued
    operator = await staff_client(StaffRole.OPERATOR)
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    referrer, friend = await member_client(), await member_client()
    program = """mutation { referralProgramUpdate(input: {tierPeriod: YEAR, tiers: [
      {fromConversion: 1, referrerPoints: 100, refereePoints: 50}]}) { errors { code } } }"""
    assert (await operator.execute(program))["referralProgramUpdate"]["errors"] == []
    assert (await bind(friend, await code_of(referrer)))["errors"] == []
    order = await record_order(partner, friend.member_id)
    await make_due()
    assert (await operator.execute(ISSUE_DUE))["rewardsIssueDue"]["issuedCount"] == 2
    assert await _kinds(referrer) == [
        ("REFERRAL_REWARD_ISSUED", "Thank you for your referral: 100 points were added.")
    ]
    # when the order is refunded, the reward is clawed back and the referrer told why
    await refund(partner, order["order"]["externalId"])
    kinds = await _kinds(referrer)
    assert kinds[0] == (
        "REFERRAL_REWARD_CLAWED_BACK",
        "The referred order was refunded, so 100 points were withdrawn.",
    )
    assert len(kinds) == 2
