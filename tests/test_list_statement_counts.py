"""Every list query costs the same number of SQL statements at ``first: 10`` and ``first: 100``.

The operations are built from the schema (tests/sqlcount.py ``list_queries``): each root
connection, with every scalar of its nodes and their single objects, and, one operation each,
every list and nested connection of the node. A field that loads its rows one parent at a time
(an N+1) costs ten times more statements on the larger page, so a new list query or a new field
on a listed type cannot bring one in unnoticed.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tortoise.models import Model

from koc.advisory.models import (
    FollowUp,
    FollowUpChannel,
    OwnerChange,
    OwnerChangeReason,
    SalesStep,
)
from koc.audit.models import AuditEntry
from koc.auth.models import PartnerToken, StaffRole, StaffUser
from koc.badges.models import (
    AwardAction,
    AwardSource,
    Badge,
    BadgeAwardEvent,
    BadgeHolding,
    BadgeRule,
)
from koc.consent.models import ConsentChannel, ConsentDecision, PrivacyPolicy, Purpose
from koc.creators.models import (
    ApplicationKind,
    ApplicationStatus,
    CampaignParticipant,
    CampaignSubmission,
    KocApplication,
    KocCampaign,
    KocChange,
    KocProfile,
    KocRole,
    KocRoleGrant,
    KocStatus,
    MemberSignals,
)
from koc.events.models import OutboxEvent
from koc.graphql.schema import schema
from koc.livecodes.models import LiveCode, LiveCodeAdvisor, LiveCodeKind, LiveCodeTarget
from koc.members.models import (
    LifecycleStage,
    Member,
    MemberTag,
    StageTransition,
    Tag,
    TagFamily,
    TagGroup,
    TagSource,
)
from koc.notifications.models import (
    MessageState,
    Notification,
    NotificationKind,
    SubscribeGrant,
    SubscribeMessage,
    SubscribeResult,
)
from koc.orders.models import MemberEvent, MemberEventKind, Order
from koc.privacy.models import (
    AccessField,
    AccessRecord,
    ErasureChannel,
    ErasureRequest,
    ErasureStatus,
)
from koc.privileges.models import GrantSource, Privilege, PrivilegeGrant, PrivilegeKind
from koc.referrals.models import (
    Milestone,
    PointsEntry,
    PointsReason,
    Referral,
    ReferralAccount,
    ReferralAttempt,
    ReferralChannel,
    ReferralCode,
    ReferralConversion,
    ReferralReward,
    ReferralStep,
    RefusalReason,
    RewardKind,
    RewardRole,
    RewardStatus,
    StepKind,
)
from koc.segments.models import Segment
from koc.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from tests.conftest import gid
from tests.sqlcount import count_statements, list_queries
from tests.surveys.helpers import open_survey, question, respond

MEMBERS = 110  # more than the larger page, so both pages are full
SMALL_LISTS = 12  # catalogues (badges, privileges, campaigns, surveys): more than the small page
NOW = datetime.now(UTC)
# Lists only a member sees on their own record: empty for staff, still run and counted.
OWN_VIEWS = {
    "members kocCampaignsAvailable",
    "memberPool kocCampaignsAvailable",
    "segmentMembers kocCampaignsAvailable",
    "kocCampaigns mySubmissions",
}


async def ids_of(model: type[Model], rows: list[Model]) -> list[int]:
    """Insert ``rows`` into their empty table and return their ids, in insertion order."""
    await model.bulk_create(rows)
    return list(await model.all().order_by("id").values_list("id", flat=True))


async def seed() -> dict[str, str]:
    """Rows for every list, each member with children in every nested list; returns the
    arguments of root lists that require some."""
    staff = await StaffUser.create(
        username="seeder", password_hash="!unusable", role=StaffRole.ADMIN
    )
    partner = await PartnerToken.create(name="seeder", prefix="seed", token_hash="x", scopes=[])
    stages = list(await LifecycleStage.all().order_by("position").values_list("id", flat=True))
    members = await ids_of(
        Member,
        [
            Member(
                nickname=f"member {i}",
                unionid=f"union-{i}",
                stage_id=stages[i % len(stages)],
                created_at=NOW - timedelta(minutes=i),
                last_active_at=NOW,
            )
            for i in range(MEMBERS)
        ],
    )
    group = await TagGroup.create(name="Interests", family=TagFamily.CONSUMPTION)
    tags = await ids_of(
        Tag, [Tag(group_id=group.id, name=f"tag {i}", member_visible=True) for i in range(3)]
    )
    await MemberTag.bulk_create(
        MemberTag(member_id=m, tag_id=t, source=TagSource.MANUAL, staff_id=staff.id)
        for m in members
        for t in tags
    )
    await StageTransition.bulk_create(
        StageTransition(member_id=m, to_stage_id=stages[0], staff_id=staff.id) for m in members
    )

    badges = await ids_of(
        Badge,
        [
            Badge(
                code=f"B{i}",
                family=f"F{i}",
                name=f"Badge {i}",
                rule=BadgeRule.EVENTS_ATTENDED if i % 2 else BadgeRule.MANUAL,
                threshold=5,
            )
            for i in range(SMALL_LISTS)
        ],
    )
    await BadgeHolding.bulk_create(
        BadgeHolding(member_id=m, badge_id=b, source=AwardSource.STAFF, awarded_at=NOW)
        for m in members
        for b in badges[:3]
    )
    await BadgeAwardEvent.bulk_create(
        BadgeAwardEvent(member_id=m, badge_id=b, action=AwardAction.AWARD, source=AwardSource.STAFF)
        for m in members
        for b in badges[:3]
    )
    privileges = await ids_of(
        Privilege,
        [
            Privilege(code=f"P{i}", name=f"Privilege {i}", kind=PrivilegeKind.GIFT)
            for i in range(SMALL_LISTS)
        ],
    )
    await PrivilegeGrant.bulk_create(
        PrivilegeGrant(member_id=m, privilege_id=p, source=GrantSource.MANUAL, granted_at=NOW)
        for m in members
        for p in privileges[:3]
    )

    # KOCs: the first half active with roles, the rest candidates; everyone applying, and
    # everyone scored as a candidate.
    half = members[: MEMBERS // 2]
    await KocProfile.bulk_create(
        KocProfile(
            member_id=m,
            status=KocStatus.ACTIVE if m in half else KocStatus.CANDIDATE,
            status_changed_at=NOW,
        )
        for m in members
    )
    await KocChange.bulk_create(
        KocChange(member_id=m, to_status=KocStatus.ACTIVE, roles=["CONTENT"], reason="Approved")
        for m in members
    )
    await KocRoleGrant.bulk_create(
        KocRoleGrant(member_id=m, role=r, staff_id=staff.id) for m in half for r in KocRole
    )
    await MemberSignals.bulk_create(
        MemberSignals(member_id=m, score_overall=n) for n, m in enumerate(members)
    )
    await KocApplication.bulk_create(
        KocApplication(
            member_id=m,
            kind=ApplicationKind.APPLICATION,
            status=ApplicationStatus.PENDING,
            open_member_id=m,
            roles_wanted=["CONTENT"],
        )
        for m in members
    )
    campaigns = await ids_of(
        KocCampaign,
        [
            KocCampaign(
                title=f"Campaign {i}",
                brief="Post about your car.",
                role=KocRole.CONTENT,
                starts_at=NOW - timedelta(days=1, minutes=i),
                ends_at=NOW + timedelta(days=30),
            )
            for i in range(SMALL_LISTS)
        ],
    )
    await CampaignParticipant.bulk_create(
        CampaignParticipant(campaign_id=c, member_id=m) for m in members for c in campaigns[:3]
    )
    await CampaignSubmission.bulk_create(
        CampaignSubmission(campaign_id=c, member_id=m, text="My review")
        for m in members
        for c in campaigns[:3]
    )

    # Referrals: member i brought member i + 1, whose order converted and earned a reward.
    await ReferralCode.bulk_create(
        ReferralCode(code=f"CODE{m}", member_id=m, generated_for=m) for m in members
    )
    await ReferralAccount.bulk_create(
        ReferralAccount(member_id=m, points_balance=100) for m in members
    )
    pairs = list(zip(members, members[1:], strict=False))
    referrals = await ids_of(
        Referral,
        [
            Referral(
                referrer_id=a,
                referee_id=b,
                code=f"CODE{a}",
                channel=ReferralChannel.SHARE,
                bound_at=NOW,
                expires_at=NOW + timedelta(days=180),
                milestone=Milestone.CONVERTED,
                milestone_at=NOW,
            )
            for a, b in pairs
        ],
    )
    await ReferralStep.bulk_create(
        ReferralStep(referral_id=r, kind=k, at=NOW)
        for r in referrals
        for k in (StepKind.LEAD, StepKind.CONVERTED)
    )
    orders = await ids_of(
        Order,
        [
            Order(
                partner_id=partner.id,
                external_id=f"order-{b}",
                member_id=b,
                amount_cents=100_00,
                currency="CNY",
                category="vehicle",
                occurred_at=NOW,
                fingerprint="seeded",
            )
            for _, b in pairs
        ],
    )
    conversions = await ids_of(
        ReferralConversion,
        [
            ReferralConversion(
                referral_id=r,
                referrer_id=a,
                referee_id=b,
                order_id=o,
                amount_cents=100_00,
                currency="CNY",
                category="vehicle",
                occurred_at=NOW,
                ordinal=1,
            )
            for r, (a, b), o in zip(referrals, pairs, orders, strict=True)
        ],
    )
    await ReferralReward.bulk_create(
        ReferralReward(
            key=f"reward-{c}-{role}",
            conversion_id=c,
            referral_id=r,
            member_id=a if role is RewardRole.REFERRER else b,
            role=role,
            kind=RewardKind.POINTS,
            points=100,
            tier=1,
            status=RewardStatus.ISSUED,
            due_at=NOW,
            issued_at=NOW,
        )
        for c, r, (a, b) in zip(conversions, referrals, pairs, strict=True)
        for role in RewardRole
    )
    await PointsEntry.bulk_create(
        PointsEntry(
            member_id=m,
            delta=50,
            balance_after=50 * (n + 1),
            reason=PointsReason.REFERRAL_REWARD,
            idempotency_key=f"points-{m}-{n}",
        )
        for m in members
        for n in range(2)
    )
    await ReferralAttempt.bulk_create(
        ReferralAttempt(
            code="NOSUCH",
            referee_id=m,
            channel=ReferralChannel.SHARE,
            refusal=RefusalReason.UNKNOWN_CODE,
        )
        for m in members
    )
    await AuditEntry.bulk_create(
        AuditEntry(staff_id=staff.id, actor="seeder", action="member.update", object_type="Member")
        for _ in members
    )
    # The events feed: one event per member, each naming its member, numbered as committed.
    await OutboxEvent.bulk_create(
        OutboxEvent(
            position=n + 1,
            type="koc.status_changed",
            data={"member": {"$member": m}, "status": "ACTIVE", "roles": []},
            occurred_at=NOW,
        )
        for n, m in enumerate(members)
    )
    policies = await ids_of(
        PrivacyPolicy,
        [PrivacyPolicy(version=f"v{n}", url="https://brand.example/p") for n in range(SMALL_LISTS)],
    )
    await ConsentDecision.bulk_create(
        ConsentDecision(
            member_id=m,
            purpose=purpose,
            granted=True,
            policy_id=policies[-1],
            channel=ConsentChannel.MINI_PROGRAM,
            decided_at=NOW,
        )
        for m in members
        for purpose in Purpose
    )
    await ErasureRequest.bulk_create(
        ErasureRequest(
            member_id=m,
            status=ErasureStatus.CANCELLED,
            channel=ErasureChannel.MEMBER,
            requested_at=NOW,
            due_at=NOW,
        )
        for m in members
    )
    await AccessRecord.bulk_create(
        AccessRecord(member_id=m, field=AccessField.PHONE, reason="seed", actor="seeder")
        for m in members
    )
    # Webhooks: a subscription per member, every event delivered to the first, tried twice.
    subscriptions = await ids_of(
        WebhookSubscription,
        [WebhookSubscription(url=f"https://crm.example/{m}", secret="whsec_x") for m in members],
    )
    events = list(await OutboxEvent.all().order_by("id").values_list("id", flat=True))
    deliveries = await ids_of(
        WebhookDelivery,
        [WebhookDelivery(subscription_id=subscriptions[0], event_id=e) for e in events],
    )
    await WebhookAttempt.bulk_create(
        WebhookAttempt(delivery_id=deliveries[0], attempted_at=NOW, status_code=500, latency_ms=9)
        for _ in members
    )
    codes = await ids_of(
        LiveCode,
        [
            LiveCode(slug=f"code-{i}", name=f"Code {i}", kind=LiveCodeKind.GROUP, channel="poster")
            for i in range(MEMBERS)
        ],
    )
    await LiveCodeTarget.bulk_create(
        LiveCodeTarget(live_code_id=c, position=p, image_url="https://i/g.png", expires_at=NOW)
        for c in codes
        for p in (1, 2)
    )
    await LiveCodeAdvisor.bulk_create(
        LiveCodeAdvisor(live_code_id=c, wecom_userid=f"advisor{a}", staff_id=staff.id)
        for c in codes
        for a in (1, 2)
    )
    await MemberEvent.bulk_create(
        MemberEvent(
            partner_id=partner.id,
            external_id=f"event-{m}-{n}",
            member_id=m,
            kind=MemberEventKind.TEST_DRIVE,
            occurred_at=NOW,
            fingerprint="seeded",
        )
        for m in members
        for n in range(2)
    )
    # Advisory: every member was served and then released to the pool (so the pool lists them).
    await OwnerChange.bulk_create(
        OwnerChange(member_id=m, to_staff_id=staff.id, reason=reason)
        for m in members
        for reason in (OwnerChangeReason.ASSIGN, OwnerChangeReason.RELEASE)
    )
    await FollowUp.bulk_create(
        FollowUp(
            member_id=m,
            advisor_id=staff.id,
            channel=FollowUpChannel.PHONE,
            step=step,
            next_action="call back",
            next_action_due_at=NOW,
        )
        for m in members
        for step in (SalesStep.NEEDS_DISCOVERY, SalesStep.SOLUTION)
    )
    # Segments: each counts its members live (one statement for the page).
    await Segment.bulk_create(
        Segment(name=f"Segment {n}", rule={"created": {"withinDays": n + 1}})
        for n in range(SMALL_LISTS)
    )
    notifications = await ids_of(
        Notification,
        [
            Notification(
                member_id=m,
                kind=NotificationKind.BADGE_EARNED,
                key=f"badge:{n}",
                title="Badge earned",
                body="You earned a badge.",
                created_at=NOW,
            )
            for m in members
            for n in range(2)
        ],
    )
    await SubscribeMessage.bulk_create(
        SubscribeMessage(
            notification_id=n,
            member_id=m,
            kind=NotificationKind.BADGE_EARNED,
            template_id="tpl-badge",
            state=MessageState.SENT,
            send_after=NOW,
            sent_at=NOW,
            created_at=NOW,
            updated_at=NOW,
        )
        for n, m in zip(notifications, [m for m in members for _ in range(2)], strict=True)
    )
    await SubscribeGrant.bulk_create(
        SubscribeGrant(
            member_id=m,
            template_id="tpl-badge",
            available=1,
            accepted_total=2,
            last_result=SubscribeResult.ACCEPT,
            updated_at=NOW,
        )
        for m in members
    )
    return {
        "kocCampaignSubmissions": f'campaignId: "{gid("KocCampaign", campaigns[0])}"',
        "segmentMembers": "audience: {rule: {created: {withinDays: 30}}}",
        "webhookDeliveries": f'subscriptionId: "{gid("WebhookSubscription", subscriptions[0])}"',
        "webhookAttempts": f'deliveryId: "{gid("WebhookDelivery", deliveries[0])}"',
    }


@pytest.fixture
async def seeded(staff_client) -> dict[str, str]:
    arguments = await seed()
    # Surveys through the API: their questions and versions are the service's to write. With
    # no audience rule an open survey is meant for every member.
    operator = await staff_client(StaffRole.OPERATOR)
    for n in range(SMALL_LISTS):
        await open_survey(operator, title=f"Survey {n}")
    return arguments


async def test_every_list_query_costs_the_same_statements_at_10_and_100(staff_client, seeded):
    operations = list_queries(schema._schema, seeded)
    missing = {
        name
        for name, f in schema._schema.query_type.fields.items()
        if name not in operations and str(f.type).endswith("Connection!")
    }
    assert not missing, f"give the required arguments of {missing} in seed()"

    async def run(query: str, first: int) -> tuple[int, list[str], dict[str, Any]]:
        # A fresh admin each time: one caller's rate-limit bucket would run dry on this many
        # wide operations.
        admin = await staff_client(StaffRole.ADMIN)
        with count_statements() as counter:
            data = await admin.execute(query, {"first": first})
        return counter.count, counter.statements, data

    growing, unseeded = {}, []
    for name, parts in operations.items():
        for part, query in parts.items():
            await run(query, 100)  # rows made on first read (referral codes) are not counted
            small, _, _ = await run(query, 10)
            large, statements, data = await run(query, 100)
            edges = data[name]["edges"]
            # Seeded enough for the pages to differ, and a nested list seeded for some nodes.
            if len(edges) <= 10 or not (
                part == "scalars"
                or f"{name} {part}" in OWN_VIEWS
                or any(_rows(e["node"][part]) for e in edges)
            ):
                unseeded.append(f"{name} {part}")
            if small != large:
                growing[f"{name} {part}"] = (small, large, _most_repeated(statements))
    assert not unseeded, f"seed rows for: {unseeded}"
    assert not growing, "\n".join(
        f"{key}: {small} statements at first:10, {large} at first:100; repeated: {repeated}"
        for key, (small, large, repeated) in growing.items()
    )


def _rows(value: list[Any] | dict[str, Any] | None) -> int:
    """Items in a nested list or connection."""
    return len((value["edges"] if isinstance(value, dict) else value) or ())


def _most_repeated(statements: list[str]) -> str:
    """The statement run most often, its literals blanked: the one that runs per row."""
    shapes = Counter(re.sub(r"\d+", "?", s) for s in statements)
    return shapes.most_common(1)[0][0][:300]


TEXT_ANSWERS = """
query($id: ID!) { surveyResults(surveyId: $id) { questions { question { key }
  textAnswers(first: 2) { totalCount edges { node { text } } } } } }"""


async def test_text_answers_of_every_question_cost_the_same_as_of_one(staff_client, member_client):
    # Given a survey with one TEXT question and one with five, each answered by three members
    operator = await staff_client(StaffRole.OPERATOR)
    surveys = {}
    for count in (1, 5):
        questions = [question(f"q{n}", "TEXT", maxLength=50) for n in range(count)]
        surveys[count] = await open_survey(
            operator, title=f"{count} questions", questions=questions
        )
    for n in range(3):
        member = await member_client()
        for survey in surveys.values():
            answers = [{"questionId": q["id"], "text": f"idea {n}"} for q in survey["questions"]]
            assert (await respond(member, survey["id"], answers))["errors"] == []

    # When staff read the text answers of every question
    async def statements(survey: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
        with count_statements() as counter:
            data = await operator.execute(TEXT_ANSWERS, {"id": survey["id"]})
        return counter.count, data["surveyResults"]["questions"]

    one, _ = await statements(surveys[1])
    five, questions = await statements(surveys[5])

    # Then five questions cost what one does, and each shows its own answers
    assert five == one
    assert [q["textAnswers"]["totalCount"] for q in questions] == [3] * 5
    assert all(len(q["textAnswers"]["edges"]) == 2 for q in questions)


LEDGERS = """
query($first: Int) { members(first: $first) { edges { node { id
  pointsLedger(first: 2) { totalCount edges { node { delta } }
    pageInfo { hasNextPage hasPreviousPage endCursor } } } } } }"""

LEDGER = """
query($id: ID!, $after: String) { member(id: $id) {
  pointsLedger(first: 2, after: $after) { totalCount edges { node { delta } }
    pageInfo { hasNextPage hasPreviousPage endCursor } } } }"""


async def test_nested_pages_are_per_parent_and_follow_their_cursors(staff_client):
    # Given three members with 0, 3 and 5 points entries (deltas tell whose and which)
    members = await ids_of(
        Member,
        [Member(nickname=f"m{i}", created_at=NOW - timedelta(minutes=i)) for i in range(3)],
    )
    await PointsEntry.bulk_create(
        PointsEntry(
            member_id=m,
            delta=100 * i + n,
            balance_after=0,
            reason=PointsReason.REFERRAL_REWARD,
            idempotency_key=f"{m}-{n}",
        )
        for i, m in enumerate(members)
        for n in range(2 * i + (i > 0))
    )
    admin = await staff_client(StaffRole.ADMIN)

    # When staff list the members with the first page of each ledger
    page = await admin.execute(LEDGERS, {"first": 3})
    ledgers = [e["node"]["pointsLedger"] for e in page["members"]["edges"]]

    # Then each member has their own entries, newest first, and their own count
    assert [[e["node"]["delta"] for e in ledger["edges"]] for ledger in ledgers] == [
        [],
        [102, 101],
        [204, 203],
    ]
    assert [ledger["totalCount"] for ledger in ledgers] == [0, 3, 5]
    assert [ledger["pageInfo"]["hasNextPage"] for ledger in ledgers] == [False, True, True]

    # And a member's cursor pages on through that member's entries to the end
    seen, after = [], None
    while True:
        data = await admin.execute(LEDGER, {"id": gid("Member", members[2]), "after": after})
        ledger = data["member"]["pointsLedger"]
        assert ledger["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += [e["node"]["delta"] for e in ledger["edges"]]
        if not ledger["pageInfo"]["hasNextPage"]:
            break
        after = ledger["pageInfo"]["endCursor"]
    assert seen == [204, 203, 202, 201, 200]


REFERRALS_PAGE = """
query($id: ID!, $after: String) { member(id: $id) {
  referrals(first: 1, after: $after) { totalCount edges { node { id } }
    pageInfo { hasNextPage endCursor } } } }"""


async def test_a_nested_page_follows_a_cursor_over_times_and_ids(staff_client):
    # Given a referrer who brought four referees: two bound at the same time, one earlier, one
    # later (the binding time orders them, newest first, then the id)
    referrer, *referees = await ids_of(Member, [Member(nickname=f"m{i}") for i in range(5)])
    times = [NOW - timedelta(hours=1), NOW, NOW, NOW + timedelta(hours=1)]
    referrals = await ids_of(
        Referral,
        [
            Referral(
                referrer_id=referrer,
                referee_id=referee,
                code="CODE",
                channel=ReferralChannel.SHARE,
                bound_at=at,
                expires_at=at + timedelta(days=180),
                milestone_at=at,
            )
            for referee, at in zip(referees, times, strict=True)
        ],
    )
    admin = await staff_client(StaffRole.ADMIN)

    # When staff page through the referrer's referrals one at a time
    seen, after = [], None
    while True:
        data = await admin.execute(REFERRALS_PAGE, {"id": gid("Member", referrer), "after": after})
        page = data["member"]["referrals"]
        assert page["totalCount"] == 4
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    # Then each comes once, newest binding first, the later id first among equal times
    newest_first = [referrals[3], referrals[2], referrals[1], referrals[0]]
    assert seen == [gid("Referral", r) for r in newest_first]
