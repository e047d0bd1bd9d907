"""A member's whole story (`Member.timeline`): every kind of entry in one list, newest first,
each with its cause; filtered by kind and time, paged stably over equal times, at a constant
number of statements per page; read by staff, the member's own advisor and the member (without
what is kept from members), and by nobody else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from koc.advisory.models import (
    FollowUp,
    FollowUpChannel,
    OwnerChange,
    OwnerChangeReason,
    SalesStep,
)
from koc.auth.models import PartnerScope, PartnerToken, StaffRole
from koc.badges.models import AwardAction, AwardSource, Badge, BadgeAwardEvent
from koc.creators.models import KocChange, KocStatus
from koc.members.models import (
    LifecycleStage,
    MemberTag,
    StageTransition,
    Tag,
    TagFamily,
    TagGroup,
    TagSource,
)
from koc.orders.models import MemberEvent, MemberEventKind, Order, Refund
from koc.privileges.models import (
    Channel,
    GrantSource,
    Privilege,
    PrivilegeGrant,
    PrivilegeKind,
    PrivilegeRedemption,
    RedeemedVia,
)
from koc.referrals.models import Referral, ReferralChannel, ReferralConversion
from koc.surveys.models import ResponseChannel, Survey, SurveyPurpose, SurveyResponse, SurveyVersion
from tests.conftest import GraphQLClient, gid, make_member
from tests.sqlcount import count_statements

NOW = datetime.now(UTC).replace(microsecond=0)

TIMELINE = """query($id: ID!, $first: Int, $after: String, $kinds: [TimelineKind!],
    $since: DateTime, $until: DateTime) { member(id: $id) {
  timeline(first: $first, after: $after, kinds: $kinds, since: $since, until: $until) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { kind occurredAt cause causedBy subject detail note amountCents currency
      sourceId summary } } } } }"""
MY_TIMELINE = """query { me { timeline(first: 50) { totalCount
  edges { node { kind cause causedBy subject note amountCents currency } } } } }"""


def hours_ago(n: float) -> datetime:
    return NOW - timedelta(hours=n)


def car_order(
    partner_id: int, member_id: int, external_id: str, cents: int, hours: float
) -> dict[str, Any]:
    """The fields of an order of a car, ``hours`` ago."""
    return {
        "partner_id": partner_id,
        "external_id": external_id,
        "member_id": member_id,
        "amount_cents": cents,
        "currency": "CNY",
        "category": "car",
        "occurred_at": hours_ago(hours),
        "fingerprint": "f",
    }


async def story(member_id: int, staff_id: int, friend_id: int) -> dict[str, str]:
    """One entry of every kind for the member, the newest first in this order (an hour apart);
    returns the cause the list should give each kind, by kind."""
    partner = await PartnerToken.create(name="Dealer One", prefix="d1", token_hash="h", scopes=[])
    order = await Order.create(**car_order(partner.id, member_id, "o-1", 250_000_00, 17))
    await Refund.create(
        partner=partner,
        external_id="r-1",
        order=order,
        amount_cents=1_000_00,
        occurred_at=hours_ago(16),
        fingerprint="f",
    )
    await MemberEvent.create(
        partner=partner,
        external_id="e-1",
        member_id=member_id,
        kind=MemberEventKind.TEST_DRIVE,
        occurred_at=hours_ago(15),
        fingerprint="f",
    )
    stages = await LifecycleStage.all().order_by("position")
    await StageTransition.create(
        member_id=member_id,
        from_stage_id=stages[0].id,
        to_stage_id=stages[1].id,
        automatic=True,
        reason="first order",
        created_at=hours_ago(14),
    )
    group = await TagGroup.create(name="Needs", family=TagFamily.CONSUMPTION)
    shown = await Tag.create(group=group, name="family car", member_visible=True)
    hidden = await Tag.create(group=group, name="price sensitive", member_visible=False)
    await MemberTag.create(
        member_id=member_id,
        tag=shown,
        source=TagSource.AUTO,
        cause="answered q3",
        created_at=hours_ago(13),
    )
    await MemberTag.create(
        member_id=member_id,
        tag=hidden,
        source=TagSource.MANUAL,
        staff_id=staff_id,
        cause="haggled twice",
        created_at=hours_ago(12),
    )
    await OwnerChange.create(
        member_id=member_id,
        to_staff_id=staff_id,
        by_staff_id=None,
        reason=OwnerChangeReason.ROUND_ROBIN,
        created_at=hours_ago(11),
    )
    await FollowUp.create(
        member_id=member_id,
        advisor_id=staff_id,
        channel=FollowUpChannel.PHONE,
        step=SalesStep.NEEDS_DISCOVERY,
        note="wants seven seats",
        created_at=hours_ago(10),
    )
    await KocChange.create(
        member_id=member_id,
        from_status=KocStatus.CANDIDATE,
        to_status=KocStatus.ACTIVE,
        roles=["CONTENT"],
        staff_id=staff_id,
        reason="great reviews",
        created_at=hours_ago(9),
    )
    badge = await Badge.create(code="pioneer", family="Pioneer", name="Pioneer")
    for n, action in ((8, AwardAction.AWARD), (7, AwardAction.REVOKE)):
        await BadgeAwardEvent.create(
            member_id=member_id,
            badge=badge,
            action=action,
            source=AwardSource.RULE,
            reason="rule",
            created_at=hours_ago(n),
        )
    privilege = await Privilege.create(code="salon", name="Salon", kind=PrivilegeKind.EVENT)
    grant = await PrivilegeGrant.create(
        member_id=member_id,
        privilege=privilege,
        source=GrantSource.MANUAL,
        staff_id=staff_id,
        reason="thank you",
        granted_at=hours_ago(6),
    )
    await PrivilegeRedemption.create(
        grant=grant,
        member_id=member_id,
        privilege=privilege,
        idempotency_key="k1",
        channel=Channel.STORE,
        via=RedeemedVia.PARTNER,
        partner=partner,
        period_key="2026",
        created_at=hours_ago(5),
    )
    referral = await Referral.create(
        referrer_id=member_id,
        referee_id=friend_id,
        code="CODE",
        channel=ReferralChannel.SHARE,
        bound_at=hours_ago(4),
        expires_at=NOW + timedelta(days=180),
        milestone_at=hours_ago(4),
    )
    friends_order = await Order.create(**car_order(partner.id, friend_id, "o-2", 300_000_00, 3))
    await ReferralConversion.create(
        referral=referral,
        referrer_id=member_id,
        referee_id=friend_id,
        order=friends_order,
        amount_cents=300_000_00,
        currency="CNY",
        category="car",
        occurred_at=hours_ago(3),
        ordinal=1,
    )
    survey = await Survey.create(title="What next?", purpose=SurveyPurpose.CATEGORY_EXPANSION)
    version = await SurveyVersion.create(survey=survey, number=1, definition_hash="h")
    await SurveyResponse.create(
        survey=survey,
        version=version,
        member_id=member_id,
        channel=ResponseChannel.INTERVIEW,
        interviewer_id=staff_id,
        notes="wants a charger",
        submitted_at=hours_ago(2),
    )
    return {
        "SURVEY_ANSWERED": "STAFF",
        "REFERRAL_CONVERTED": "SYSTEM",
        "REFERRAL_BOUND": "MEMBER",
        "PRIVILEGE_REDEEMED": "PARTNER",
        "PRIVILEGE_GRANTED": "STAFF",
        "BADGE_REVOKED": "RULE",
        "BADGE_AWARDED": "RULE",
        "KOC_STATUS_CHANGE": "STAFF",
        "FOLLOW_UP": "STAFF",
        "OWNER_CHANGE": "RULE",
        "TAG_ADDED": "STAFF",  # the hidden, manual tag (12 h)
        "TAG_ADDED ": "RULE",  # the shown, automatic tag (13 h)
        "STAGE_CHANGE": "RULE",
        "MEMBER_EVENT": "PARTNER",
        "REFUND": "PARTNER",
        "ORDER": "PARTNER",
    }


async def read(client: GraphQLClient, member_id: int, **variables: Any) -> dict[str, Any]:
    data = await client.execute(TIMELINE, {"id": gid("Member", member_id), **variables})
    return data["member"]["timeline"]


def kinds(page: dict[str, Any]) -> list[str]:
    return [e["node"]["kind"] for e in page["edges"]]


async def test_every_kind_appears_newest_first_with_its_cause(staff_client):
    # Given a member with one entry of every kind, an hour apart, and an advisor serving them
    ada = await staff_client(StaffRole.ADVISOR, username="ada")
    member, friend = await make_member(owner_id=ada.staff_id), await make_member()
    causes = await story(member.id, ada.staff_id, friend.id)
    analyst = await staff_client(StaffRole.ANALYST)

    # When staff read the member's timeline
    page = await read(analyst, member.id, first=50)

    # Then every kind is there, newest first, each with who or what caused it
    nodes = [e["node"] for e in page["edges"]]
    assert [(n["kind"], n["cause"]) for n in nodes] == [
        (kind.strip(), cause) for kind, cause in causes.items()
    ]
    assert page["totalCount"] == len(causes)
    times = [n["occurredAt"] for n in nodes]
    assert times == sorted(times, reverse=True)
    by_kind = {n["kind"]: n for n in reversed(nodes)}
    assert by_kind["ORDER"] | {"occurredAt": None, "sourceId": None} == {
        "kind": "ORDER",
        "occurredAt": None,
        "cause": "PARTNER",
        "causedBy": "Dealer One",
        "subject": "car",
        "detail": "o-1",
        "note": "",
        "amountCents": 250_000_00,
        "currency": "CNY",
        "sourceId": None,
        "summary": "Order car (o-1) 250000.00 CNY",
    }
    assert by_kind["FOLLOW_UP"]["causedBy"] == "ada"
    assert by_kind["FOLLOW_UP"]["note"] == "wants seven seats"
    assert by_kind["OWNER_CHANGE"]["subject"] == "ada"
    assert by_kind["OWNER_CHANGE"]["detail"] == "ROUND_ROBIN"
    assert by_kind["STAGE_CHANGE"]["note"] == "first order"
    assert by_kind["REFERRAL_BOUND"]["detail"] == "REFERRER"
    assert by_kind["REFERRAL_CONVERTED"]["amountCents"] is not None  # the friend's order
    assert by_kind["SURVEY_ANSWERED"]["subject"] == "What next?"

    # And the friend's story holds the same binding and conversion, from the other side
    friends = await read(analyst, friend.id, kinds=["REFERRAL_BOUND", "REFERRAL_CONVERTED"])
    assert [(e["node"]["kind"], e["node"]["detail"]) for e in friends["edges"]] == [
        ("REFERRAL_CONVERTED", "REFEREE"),
        ("REFERRAL_BOUND", "REFEREE"),
    ]


async def test_kinds_and_a_time_window_narrow_the_list(staff_client):
    # Given a member with a whole story
    admin = await staff_client(StaffRole.ADMIN)
    member, friend = await make_member(), await make_member()
    await story(member.id, admin.staff_id, friend.id)

    # When staff ask for orders and follow-ups only, then for the entries of 6 to 12 hours ago
    only = await read(admin, member.id, kinds=["ORDER", "FOLLOW_UP"])
    window = await read(
        admin, member.id, since=hours_ago(12).isoformat(), until=hours_ago(6).isoformat()
    )

    # Then each gives only what was asked for, and counts only that
    assert kinds(only) == ["FOLLOW_UP", "ORDER"]
    assert only["totalCount"] == 2
    # since is inclusive, until exclusive
    assert kinds(window) == [
        "BADGE_REVOKED",
        "BADGE_AWARDED",
        "KOC_STATUS_CHANGE",
        "FOLLOW_UP",
        "OWNER_CHANGE",
        "TAG_ADDED",
    ]
    assert window["totalCount"] == 6


async def test_pages_follow_their_cursor_over_equal_times(staff_client):
    # Given entries of several kinds at the very same instant (ties broken by kind, then id)
    admin = await staff_client(StaffRole.ADMIN)
    member = await make_member()
    for n in range(3):
        await FollowUp.create(
            member_id=member.id,
            advisor_id=admin.staff_id,
            channel=FollowUpChannel.PHONE,
            step=SalesStep.SOLUTION,
            note=f"call {n}",
            created_at=NOW,
        )
    stage = await LifecycleStage.all().first()
    assert stage is not None
    for n in range(2):
        await StageTransition.create(
            member_id=member.id, to_stage_id=stage.id, reason=f"move {n}", created_at=NOW
        )
    whole = await read(admin, member.id, first=10)

    # When staff page through two at a time
    seen, after = [], None
    while True:
        page = await read(admin, member.id, first=2, after=after)
        assert page["totalCount"] == 5
        seen += [(e["node"]["kind"], e["node"]["sourceId"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    # Then every entry comes once, in the order of the whole list: follow-ups (the later kind)
    # first, the higher id first among each kind
    assert seen == [(e["node"]["kind"], e["node"]["sourceId"]) for e in whole["edges"]]
    assert [k for k, _ in seen] == ["FOLLOW_UP"] * 3 + ["STAGE_CHANGE"] * 2
    follow_ups = [i for k, i in seen if k == "FOLLOW_UP"]
    assert follow_ups == sorted(follow_ups, reverse=True)


async def test_a_bad_cursor_or_time_is_bad_user_input(staff_client):
    admin = await staff_client(StaffRole.ADMIN)
    member = await make_member()
    member_id = gid("Member", member.id)
    other_list = "WzEsIDIsIDNd"  # [1, 2, 3]: the shape of a cursor, not its types
    for variables in ({"after": "bm9wZQ=="}, {"after": other_list}):
        errors = await admin.errors(TIMELINE, {"id": member_id, **variables})
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    for variables in ({"since": "2026-01-01T00:00:00"}, {"until": "0001-01-01T00:00:00+14:00"}):
        errors = await admin.errors(TIMELINE, {"id": member_id, **variables})
        assert errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "field": next(iter(variables))}


async def test_the_member_sees_their_own_story_without_what_is_kept_from_members(
    staff_client, member_client
):
    # Given a member with a whole story, served by an advisor
    ada = await staff_client(StaffRole.ADVISOR, username="ada")
    member, friend = await make_member(owner_id=ada.staff_id), await make_member()
    causes = await story(member.id, ada.staff_id, friend.id)
    me = await member_client(member)

    # When the member reads their own timeline through `me`
    page = (await me.execute(MY_TIMELINE))["me"]["timeline"]

    # Then follow-ups, owner changes and the tag members may not see are left out, and so are
    # staff's names and notes; partners' names stay
    nodes = [e["node"] for e in page["edges"]]
    hidden = {"FOLLOW_UP", "OWNER_CHANGE", "TAG_ADDED"}  # the manual tag is the hidden one
    expected = [k.strip() for k in causes if k not in hidden]
    assert [n["kind"] for n in nodes] == expected
    assert page["totalCount"] == len(expected)
    tag = next(n for n in nodes if n["kind"] == "TAG_ADDED")
    assert tag["subject"] == "family car"
    assert tag["note"] == ""  # the rule's cause is the brand's
    survey = next(n for n in nodes if n["kind"] == "SURVEY_ANSWERED")
    assert (survey["cause"], survey["causedBy"], survey["note"]) == ("STAFF", None, "")
    redemption = next(n for n in nodes if n["kind"] == "PRIVILEGE_REDEEMED")
    assert redemption["causedBy"] == "Dealer One"
    # and the friend's converting order is not shown to the referrer (staff see it)
    conversion = next(n for n in nodes if n["kind"] == "REFERRAL_CONVERTED")
    assert (conversion["subject"], conversion["amountCents"], conversion["currency"]) == (
        "",
        None,
        None,
    )

    # And asking for staff-only kinds gives an empty list rather than an error
    only = await me.execute(
        "query { me { timeline(kinds: [FOLLOW_UP]) { totalCount edges { node { kind } } } } }"
    )
    assert only["me"]["timeline"] == {"totalCount": 0, "edges": []}

    # And another member may not read it
    other = await member_client()
    errors = await other.errors(TIMELINE, {"id": gid("Member", member.id)})
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_an_advisor_reads_only_its_own_members_story(staff_client, partner_client):
    # Given two advisors, each serving one member with follow-ups
    ada = await staff_client(StaffRole.ADVISOR)
    bob = await staff_client(StaffRole.ADVISOR)
    mine, theirs = (
        await make_member(owner_id=ada.staff_id),
        await make_member(owner_id=bob.staff_id),
    )
    for member, advisor in ((mine, ada), (theirs, bob)):
        await FollowUp.create(
            member_id=member.id,
            advisor_id=advisor.staff_id,
            channel=FollowUpChannel.WECOM_CHAT,
            step=SalesStep.VALUE_ICEBREAKING,
        )

    # When ada reads both, directly, through `node` and through the members list
    own = await read(ada, mine.id)
    denied = await ada.errors(TIMELINE, {"id": gid("Member", theirs.id)})
    node = """query($id: ID!) { node(id: $id) { ... on Member { timeline { totalCount } } } }"""
    via_node = await ada.execute(node, {"id": gid("Member", mine.id)})
    denied_node = await ada.errors(node, {"id": gid("Member", theirs.id)})
    listed = await ada.execute(
        "query { members(first: 10) { edges { node { id timeline { totalCount } } } } }"
    )

    # Then it reads its own member's story only
    assert kinds(own) == ["FOLLOW_UP"]
    assert via_node["node"]["timeline"]["totalCount"] == 1
    assert [e["node"]["id"] for e in listed["members"]["edges"]] == [gid("Member", mine.id)]
    for errors in (denied, denied_node):
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"

    # And a partner app, even one that reads members, is refused
    partner = await partner_client([PartnerScope.MEMBERS_READ])
    errors = await partner.errors(TIMELINE, {"id": gid("Member", mine.id)})
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_page_costs_the_same_statements_whatever_the_story(staff_client):
    # Given members with 10 follow-ups and 10 orders each, and members with 100 of each
    admin = await staff_client(StaffRole.ADMIN)
    partner = await PartnerToken.create(name="Dealer", prefix="d", token_hash="h", scopes=[])
    small, large = [await make_member() for _ in range(2)], [await make_member() for _ in range(2)]
    for members, entries in ((small, 10), (large, 100)):
        for member in members:
            await FollowUp.bulk_create(
                FollowUp(
                    member_id=member.id,
                    advisor_id=admin.staff_id,
                    channel=FollowUpChannel.PHONE,
                    step=SalesStep.SOLUTION,
                    created_at=hours_ago(n),
                )
                for n in range(entries)
            )
            await Order.bulk_create(
                Order(**car_order(partner.id, member.id, f"{member.id}-{n}", 100, n + 0.5))
                for n in range(entries)
            )

    # When staff read a whole page of a small and of a large story, and the first 10 and 100
    # entries of every member's story in the members list
    async def statements(query: str, variables: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with count_statements() as counter:
            data = await admin.execute(query, variables)
        return counter.count, data

    one = {
        n: await statements(TIMELINE, {"id": gid("Member", members[0].id), "first": 100})
        for n, members in ((10, small), (100, large))
    }
    listed = {
        first: await statements(
            """query($first: Int) { members(first: 10) { edges { node { id
              timeline(first: $first) { totalCount edges { node { kind causedBy } } } } } } }""",
            {"first": first},
        )
        for first in (10, 100)
    }

    # Then the pages are whole, and cost the same: the caller's check, the member, the page and
    # its count for one member; the members' page and count, then the pages and counts of all
    assert [len(data["member"]["timeline"]["edges"]) for _, data in one.values()] == [20, 100]
    assert [data["member"]["timeline"]["totalCount"] for _, data in one.values()] == [20, 200]
    assert one[10][0] == one[100][0] == 4
    pages = {
        first: sorted(len(e["node"]["timeline"]["edges"]) for e in data["members"]["edges"])
        for first, (_, data) in listed.items()
    }
    assert pages == {10: [10, 10, 10, 10], 100: [20, 20, 100, 100]}
    assert listed[10][0] == listed[100][0]


TAGS_ADD = """mutation($i: MemberTagsInput!) { memberTagsAdd(input: $i) { errors { code } } }"""
TAGS_REMOVE = (
    """mutation($i: MemberTagsInput!) { memberTagsRemove(input: $i) { errors { code } } }"""
)


async def test_a_tag_taken_off_stays_in_the_story_with_who_and_why(staff_client):
    # Given an operator who tags a member, then tags them with the other tag of an exclusive
    # group (which replaces the first), then takes that one off
    operator = await staff_client(StaffRole.OPERATOR, username="olga")
    member = await make_member()
    group = await TagGroup.create(name="Budget", family=TagFamily.CONSUMPTION, exclusive=True)
    low = await Tag.create(group=group, name="under 200k")
    high = await Tag.create(group=group, name="over 300k")
    ids = {"memberIds": [gid("Member", member.id)]}
    for query, tag, note in (
        (TAGS_ADD, low, "said so"),
        (TAGS_ADD, high, "changed their mind"),
        (TAGS_REMOVE, high, ""),
    ):
        data = await operator.execute(
            query, {"i": {**ids, "tagIds": [gid("Tag", tag.id)], "note": note}}
        )
        assert next(iter(data.values()))["errors"] == []

    # When staff read the member's tag entries
    page = await read(operator, member.id, kinds=["TAG_ADDED", "TAG_REMOVED"])

    # Then both tags were put on and came off, newest first, each by the operator, with why
    entries = [
        (n["kind"], n["subject"], n["causedBy"], n["note"])
        for n in (e["node"] for e in page["edges"])
    ]
    assert entries == [
        ("TAG_REMOVED", "over 300k", "olga", "taken off by staff"),
        ("TAG_ADDED", "over 300k", "olga", "changed their mind"),
        ("TAG_REMOVED", "under 200k", "olga", "replaced: one tag per member in its group"),
        ("TAG_ADDED", "under 200k", "olga", "said so"),
    ]
    assert await MemberTag.filter(member_id=member.id).count() == 0
