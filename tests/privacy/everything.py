"""A member with every kind of record koc keeps, made through the public API as the
mini-program, staff and a partner app would make them.

The export and erasure tests use it: the export must show a row of every member table the data
map knows, and erasure must leave none of ``Subject.personal`` anywhere. A feature that adds a
member table extends this journey so its rows are exported and erased too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from strawberry.relay import from_base64

from koc.advisory.models import FollowUp, FollowUpChannel, OwnerChange, OwnerChangeReason, SalesStep
from koc.auth.models import PartnerScope, StaffRole
from koc.devtools.wechat import WeChatServer
from koc.livecodes.models import (
    ArrivalSource,
    LiveCode,
    LiveCodeArrival,
    LiveCodeKind,
    WeComContact,
)
from koc.segments.models import Segment, SegmentSnapshot, SegmentSnapshotMember
from tests.badges.factories import create_badge
from tests.conftest import GraphQLClient
from tests.creators.factories import JOIN, SUBMIT, apply, create_campaign, review
from tests.privileges.factories import PRIVILEGE_REDEEM, RSVP, create_privilege, grant
from tests.referrals.helpers import ISSUE_DUE, bind, code_of, make_due, record_order, refund
from tests.surveys.helpers import DRAFT_SAVE, RESPOND, by_key, full_answers, open_survey

NICKNAME = "Zhang Erasable"
PHONE_DIGITS = "13912345678"
PHONE = "+86" + PHONE_DIGITS
OPENID = "oErasableOpenid0000000000001"
UNIONID = "uErasableUnionid000000000001"
AVATAR = "https://img.example/erasable-avatar.png"
REGION = "Erasetown"
STATEMENT = "I drive Zhang Erasable's family to the lake every weekend"
SUBMISSION = "Road trip diary of Zhang Erasable"
WISH = "Erasetown roof box"
EVENT_NOTE = "Zhang Erasable asked about home charging"
DRAFT_WISH = "Draft Erasable wish"

TEMPLATE_SET = """mutation { notificationTemplateSet(input: {kind: BADGE_EARNED,
  templateId: "tpl-badge", keyValues: [{key: "thing1", value: "{badge_name}"}]}) {
  errors { field code message } } }"""
SUBSCRIBE_REPORT = """mutation { meSubscribeResultsReport(input: {results: [
  {templateId: "tpl-badge", result: ACCEPT}]}) { errors { field code message } } }"""
LOGIN = """mutation($code: String!) { memberLogin(code: $code, channel: "poster-2026") {
  session { accessToken refreshToken } member { id } errors { code } } }"""
PHONE_BIND = "mutation($c: String!) { memberPhoneBind(code: $c) { errors { code } } }"
PROFILE = """mutation($input: MemberProfileUpdateInput!) {
  memberProfileUpdate(input: $input) { errors { field code message } } }"""
POLICY = """mutation { privacyPolicyPublish(input: {version: "2026-01",
  url: "https://brand.example/privacy/2026-01", summary: "First version"}) {
  policy { id } errors { code } } }"""
CONSENT = """mutation($input: MeConsentSetInput!) { meConsentSet(input: $input) {
  consents { purpose granted } errors { field code message } } }"""
TAG_GROUP = """mutation { tagGroupCreate(input: {name: "Needs", family: CONSUMPTION}) {
  tagGroup { id } } }"""
TAG = (
    """mutation($g: ID!) { tagCreate(input: {groupId: $g, name: "Home charger"}) { tag { id } } }"""
)
TAGS_ADD = (
    """mutation($input: MemberTagsInput!) { memberTagsAdd(input: $input) { errors { code } } }"""
)
TAG_OFF = (
    """mutation($g: ID!) { tagCreate(input: {groupId: $g, name: "Roof box"}) { tag { id } } }"""
)
TAGS_REMOVE = (
    """mutation($input: MemberTagsInput!) { memberTagsRemove(input: $input) { errors { code } } }"""
)
STAGE_SET = """mutation($m: ID!) { memberStageSet(input: {memberId: $m, stage: "INTENT",
  reason: "Zhang Erasable wants a test drive"}) { errors { code message } } }"""
BADGE_AWARD = (
    """mutation($input: BadgeAwardInput!) { badgeAward(input: $input) { errors { code } } }"""
)
PROGRAM = """mutation { referralProgramUpdate(input: {tierPeriod: YEAR, tiers: [
  {fromConversion: 1, referrerPoints: 100, refereePoints: 50}]}) { errors { code } } }"""
EVENT = """mutation($input: MemberEventRecordInput!) {
  memberEventRecord(input: $input) { errors { code message } } }"""
UNMASK = (
    """query($id: ID!) { member(id: $id) { phoneUnmasked(reason: "Call about the delivery") } }"""
)


@dataclass
class Subject:
    """The member, how to act as them, and the people and things around them."""

    client: GraphQLClient
    admin: GraphQLClient
    partner: GraphQLClient
    referrer: GraphQLClient
    friend: GraphQLClient
    survey_id: str
    privilege_id: str
    refresh_token: str
    order_external_id: str
    # every identifying value of the member: none may remain anywhere once they are erased
    personal: list[str] = field(default_factory=list)

    @property
    def member_id(self) -> int:
        assert self.client.member_id is not None
        return self.client.member_id


def _ok(data: dict[str, Any]) -> dict[str, Any]:
    (payload,) = data.values()
    assert not payload.get("errors"), payload
    return payload


async def _login(http: httpx.AsyncClient, wechat: WeChatServer) -> tuple[GraphQLClient, str]:
    wechat.state.login_codes["login-erasable"] = (OPENID, UNIONID)
    session = _ok(await GraphQLClient(http).execute(LOGIN, {"code": "login-erasable"}))
    member_id = int(from_base64(session["member"]["id"])[1])
    client = GraphQLClient(http, token=session["session"]["accessToken"], member_id=member_id)
    return client, session["session"]["refreshToken"]


async def member_with_everything(
    http: httpx.AsyncClient,
    wechat: WeChatServer,
    member_client: Any,
    staff_client: Any,
    partner_client: Any,
) -> Subject:
    admin = await staff_client(StaffRole.ADMIN)
    partner = await partner_client(list(PartnerScope))
    referrer, friend = await member_client(), await member_client()
    # the member signs in with WeChat, binds their phone and fills in their profile
    member, refresh_token = await _login(http, wechat)
    wechat.state.phone_codes["phone-erasable"] = PHONE_DIGITS
    _ok(await member.execute(PHONE_BIND, {"c": "phone-erasable"}))
    _ok(
        await member.execute(
            PROFILE,
            {
                "input": {
                    "nickname": NICKNAME,
                    "avatarUrl": AVATAR,
                    "region": REGION,
                    "birthday": "1990-05-17",
                    "gender": "FEMALE",
                }
            },
        )
    )
    # consent under the brand's policy
    policy = _ok(await admin.execute(POLICY))["policy"]
    decisions = [
        {"purpose": "SHARING", "granted": True},
        {"purpose": "MARKETING", "granted": False},
    ]
    _ok(
        await member.execute(CONSENT, {"input": {"policyId": policy["id"], "decisions": decisions}})
    )
    # referrals both ways: refused on their own code, referred by a KOC, referring a friend
    _ok(await admin.execute(PROGRAM))
    own_code = await code_of(member)
    assert (await bind(member, own_code))["errors"]
    assert (await bind(member, await code_of(referrer)))["errors"] == []
    assert (await bind(friend, own_code))["errors"] == []
    # orders (one refunded in part), the friend's order credited to the member, rewards issued
    order = await record_order(partner, member.member_id, 300_000_00)
    order_external_id = order["order"]["externalId"]
    await refund(partner, order_external_id, 1_000_00)
    await record_order(partner, friend.member_id, 250_000_00)
    await make_due()
    _ok(await admin.execute(ISSUE_DUE))
    # what the partner saw them do
    for kind, payload in [("EVENT_ATTENDED", {"note": EVENT_NOTE}), ("TEST_DRIVE", {})]:
        event_input = {
            "externalId": f"evt-erasable-{kind}",
            "member": {"memberId": member.member_gid},
            "kind": kind,
            "occurredAt": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
            "payload": payload,
        }
        _ok(await partner.execute(EVENT, {"input": event_input}))
    # notifications: badges are mapped to a template the member accepted, so the badge below
    # lands in their inbox and queues a subscribe message
    _ok(await admin.execute(TEMPLATE_SET))
    _ok(await member.execute(SUBSCRIBE_REPORT))
    # staff: a tag from a 1-on-1 chat, a stage move, a badge, privileges
    group = (await admin.execute(TAG_GROUP))["tagGroupCreate"]["tagGroup"]["id"]
    tag = (await admin.execute(TAG, {"g": group}))["tagCreate"]["tag"]["id"]
    tags_input = {"memberIds": [member.member_gid], "tagIds": [tag], "note": "Asked in chat"}
    _ok(await admin.execute(TAGS_ADD, {"input": tags_input}))
    # ... and one put on and taken off again (kept in the member's story)
    tag_off = (await admin.execute(TAG_OFF, {"g": group}))["tagCreate"]["tag"]["id"]
    off_input = {"memberIds": [member.member_gid], "tagIds": [tag_off], "note": "Said in chat"}
    _ok(await admin.execute(TAGS_ADD, {"input": off_input}))
    _ok(await admin.execute(TAGS_REMOVE, {"input": off_input}))
    _ok(await admin.execute(STAGE_SET, {"m": member.member_gid}))
    badge = (await create_badge(admin))["badge"]
    award = {"memberId": member.member_gid, "badgeId": badge["id"], "reason": "Salon host"}
    _ok(await admin.execute(BADGE_AWARD, {"input": award}))
    gift = (await create_privilege(admin))["privilege"]
    await grant(admin, member, gift["id"])
    redeem = {"privilegeId": gift["id"], "idempotencyKey": "redeem-erasable-1"}
    _ok(await member.execute(PRIVILEGE_REDEEM, {"input": redeem}))
    salon = (await create_privilege(admin, kind="EVENT", totalStock=5))["privilege"]
    await grant(admin, member, salon["id"])
    _ok(await member.execute(RSVP, {"input": {"privilegeId": salon["id"]}}))
    # KOC: applied with a statement, approved; a campaign joined and a post submitted
    applied = await apply(member, ["CONTENT"], statement=STATEMENT)
    assert applied["errors"] == [], applied
    reviewed = await review(admin, applied["application"]["id"], decision="APPROVE")
    assert reviewed["errors"] == [], reviewed
    campaign = (await create_campaign(admin))["campaign"]
    _ok(await member.execute(JOIN, {"id": campaign["id"]}))
    submission = {"campaignId": campaign["id"], "text": SUBMISSION, "links": [AVATAR]}
    _ok(await member.execute(SUBMIT, {"input": submission}))
    # a survey addressed to them: a draft, then the answers with a free-text wish
    survey = await open_survey(admin, audience={"memberIds": [member.member_gid]})
    questions = by_key(survey)
    draft = [{"questionId": questions["wish"]["id"], "text": DRAFT_WISH}]
    _ok(await member.execute(DRAFT_SAVE, {"input": {"surveyId": survey["id"], "answers": draft}}))
    answers = full_answers(survey, wish=WISH)
    _ok(await member.execute(RESPOND, {"input": {"surveyId": survey["id"], "answers": answers}}))
    # they arrived through a live code and added an advisor on WeCom
    code = await LiveCode.create(
        slug="erasable", name="Poster", kind=LiveCodeKind.GROUP, channel="poster"
    )
    await LiveCodeArrival.create(
        live_code_id=code.id,
        member_id=member.member_id,
        source=ArrivalSource.WECOM,
        arrived_at=datetime.now(UTC),
    )
    await WeComContact.create(external_userid="wm-erasable", member_id=member.member_id)
    # an advisor serves them, and a survey invitation took a snapshot of a segment holding them
    await OwnerChange.create(
        member_id=member.member_id, to_staff_id=admin.staff_id, reason=OwnerChangeReason.ASSIGN
    )
    await FollowUp.create(
        member_id=member.member_id,
        advisor_id=admin.staff_id,
        channel=FollowUpChannel.PHONE,
        step=SalesStep.NEEDS_DISCOVERY,
        next_action="call back",
    )
    segment = await Segment.create(name="Everyone recent", rule={"created": {"withinDays": 30}})
    snapshot = await SegmentSnapshot.create(
        segment_id=segment.id, used_for="survey:1", member_count=1
    )
    await SegmentSnapshotMember.create(snapshot_id=snapshot.id, member_id=member.member_id)
    # an operator read their phone; they asked to be erased, then changed their mind
    await admin.execute(UNMASK, {"id": member.member_gid})
    _ok(await member.execute("mutation { meErasureRequest { errors { code } } }"))
    _ok(await member.execute("mutation { meErasureCancel { errors { code } } }"))
    return Subject(
        client=member,
        admin=admin,
        partner=partner,
        referrer=referrer,
        friend=friend,
        survey_id=survey["id"],
        privilege_id=gift["id"],
        refresh_token=refresh_token,
        order_external_id=order_external_id,
        personal=[
            NICKNAME,
            PHONE,
            PHONE_DIGITS,
            OPENID,
            UNIONID,
            AVATAR,
            REGION,
            STATEMENT,
            SUBMISSION,
            WISH,
            EVENT_NOTE,
            DRAFT_WISH,
            own_code,
        ],
    )
