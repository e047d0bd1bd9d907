"""Recruitment campaigns: sign-up, submission, rating and promotion into the campaign's role."""

from strawberry.relay import from_base64

from koc.auth.models import StaffRole
from koc.creators.models import CampaignParticipant
from koc.events import CampaignSubmissionReviewed
from koc.members.models import LifecycleStage, Member
from tests.badges.factories import record_order
from tests.conftest import gid
from tests.creators.factories import (
    JOIN,
    SUBMISSION_REVIEW,
    SUBMIT,
    ago,
    create_campaign,
    later,
)
from tests.events_spy import published
from tests.segments.factories import create_segment

MEMBER_VIEW = """
{ me {
    koc { status roles certificate { number } }
    kocCampaignsAvailable { id title }
    kocCampaignsJoined { campaign { title } submissions { text rating reviewComment } }
} }
"""

SUBMISSIONS = """
query($id: ID!) { kocCampaignSubmissions(campaignId: $id, first: 10) {
  totalCount edges { node { id rating member { nickname } } }
} }
"""

SCORE = """
query($id: ID!) { member(id: $id) { kocCandidate { breakdown { signal value } } } }
"""


def signal(data, name):
    rows = data["member"]["kocCandidate"]["breakdown"]
    return next(b["value"] for b in rows if b["signal"] == name)


async def test_sign_up_submit_rate_and_promote(member_client, staff_client):
    # given a running content campaign
    operator = await staff_client(StaffRole.OPERATOR)
    created = await create_campaign(operator, capacity=10)
    assert created["errors"] == []
    campaign = created["campaign"]
    assert campaign["status"] == "OPEN"
    member = await member_client(nickname="Mei")

    # then the member sees it as available
    view = (await member.execute(MEMBER_VIEW))["me"]
    assert [c["title"] for c in view["kocCampaignsAvailable"]] == [campaign["title"]]
    listed = await member.execute("{ kocCampaigns { totalCount edges { node { id joined } } } }")
    assert listed["kocCampaigns"]["totalCount"] == 1

    # when the member signs up and submits work
    joined = (await member.execute(JOIN, {"id": campaign["id"]}))["kocCampaignJoin"]
    assert joined["errors"] == []
    assert joined["campaign"]["participantCount"] == 1
    assert joined["campaign"]["joined"] is True
    submitted = (
        await member.execute(
            SUBMIT,
            {
                "input": {
                    "campaignId": campaign["id"],
                    "text": "Our 2,000 km trip to Tibet.",
                    "links": ["https://www.xiaohongshu.com/explore/abc"],
                    "mediaUrls": ["https://cdn.example.com/trip.mp4"],
                }
            },
        )
    )["kocSubmissionCreate"]
    assert submitted["errors"] == []
    submission_id = submitted["submission"]["id"]

    # then signing up and submitting are discovery signals
    analyst = await staff_client(StaffRole.ANALYST)
    score = await analyst.execute(SCORE, {"id": member.member_gid})
    assert signal(score, "CAMPAIGN_SIGNUPS") == 1
    assert signal(score, "CAMPAIGN_SUBMISSIONS") == 1

    # and staff see the submission under the campaign
    listed = await analyst.execute(SUBMISSIONS, {"id": campaign["id"]})
    assert listed["kocCampaignSubmissions"]["totalCount"] == 1
    assert listed["kocCampaignSubmissions"]["edges"][0]["node"]["member"]["nickname"] == "Mei"

    # when an operator rates it 5 and promotes the author
    with published(CampaignSubmissionReviewed) as reviewed_events:
        reviewed = (
            await operator.execute(
                SUBMISSION_REVIEW,
                {
                    "input": {
                        "submissionId": submission_id,
                        "rating": 5,
                        "comment": "Beautiful footage.",
                        "promote": True,
                    }
                },
            )
        )["kocSubmissionReview"]
    assert reviewed["errors"] == []
    assert reviewed["submission"]["rating"] == 5
    assert reviewed_events == [
        CampaignSubmissionReviewed(
            member_id=member.member_id,
            submission_id=int(from_base64(submission_id)[1]),
            rating=5,
            approved=True,
        )
    ]

    # then the member is an ACTIVE content KOC with a certificate, and sees the rating
    view = (await member.execute(MEMBER_VIEW))["me"]
    assert view["koc"]["status"] == "ACTIVE"
    assert view["koc"]["roles"] == ["CONTENT"]
    assert view["koc"]["certificate"]["number"].startswith("KOC-")
    joined_view = view["kocCampaignsJoined"][0]
    assert joined_view["submissions"] == [
        {"text": "Our 2,000 km trip to Tibet.", "rating": 5, "reviewComment": "Beautiful footage."}
    ]
    score = await analyst.execute(SCORE, {"id": member.member_gid})
    assert signal(score, "STAFF_RATING") == 5
    unrated = await analyst.execute(
        "query($id: ID!) { kocCampaignSubmissions(campaignId: $id, unratedOnly: true) "
        "{ totalCount } }",
        {"id": campaign["id"]},
    )
    assert unrated["kocCampaignSubmissions"]["totalCount"] == 0


async def test_joining_twice_beyond_capacity_or_outside_the_audience_is_refused(
    member_client, staff_client
):
    operator = await staff_client(StaffRole.OPERATOR)
    campaign = (await create_campaign(operator, capacity=1))["campaign"]
    first = await member_client()
    second = await member_client()

    assert (await first.execute(JOIN, {"id": campaign["id"]}))["kocCampaignJoin"]["errors"] == []
    twice = (await first.execute(JOIN, {"id": campaign["id"]}))["kocCampaignJoin"]
    assert twice["errors"][0]["code"] == "ALREADY_JOINED"
    full = (await second.execute(JOIN, {"id": campaign["id"]}))["kocCampaignJoin"]
    assert full["errors"][0]["code"] == "FULL"
    assert await CampaignParticipant.filter(campaign_id__gt=0).count() == 1

    # a campaign for customers only, with a minimum score, is not open to a stranger
    customers = await create_campaign(
        operator, audience={"rule": {"stage": {"in": ["CUSTOMER", "REPEAT"]}}, "minScore": 1}
    )
    assert customers["campaign"]["audience"] == {
        "minScore": 1,
        "rule": {"stage": {"in": ["CUSTOMER", "REPEAT"]}},
        "segment": None,
    }
    stranger = await member_client()
    refused = await stranger.execute(JOIN, {"id": customers["campaign"]["id"]})
    assert refused["kocCampaignJoin"]["errors"][0]["code"] == "NOT_IN_AUDIENCE"
    view = (await stranger.execute(MEMBER_VIEW))["me"]
    assert customers["campaign"]["id"] not in [c["id"] for c in view["kocCampaignsAvailable"]]

    # a campaign not started yet cannot be joined
    upcoming = (await create_campaign(operator, startsAt=later(2), endsAt=later(9)))["campaign"]
    assert upcoming["status"] == "UPCOMING"
    early = (await stranger.execute(JOIN, {"id": upcoming["id"]}))["kocCampaignJoin"]
    assert early["errors"][0]["code"] == "NOT_OPEN"


async def test_a_customer_in_the_audience_may_join(member_client, staff_client):
    operator = await staff_client(StaffRole.OPERATOR)
    stage = await LifecycleStage.get(code="CUSTOMER")
    customer = await member_client()
    await Member.filter(id=customer.member_id).update(stage_id=stage.id)
    campaign = (
        await create_campaign(operator, audience={"rule": {"stage": {"in": ["CUSTOMER"]}}})
    )["campaign"]
    joined = (await customer.execute(JOIN, {"id": campaign["id"]}))["kocCampaignJoin"]
    assert joined["errors"] == []


async def test_a_saved_segment_as_audience(member_client, staff_client, partner_client):
    # given a campaign for the members of a segment of buyers
    operator = await staff_client(StaffRole.OPERATOR)
    buyer, stranger = await member_client(), await member_client()
    await record_order(await partner_client(["orders:write"]), buyer.member_gid)
    segment = await create_segment(operator, {"orders": {}}, name="Buyers")
    campaign = (await create_campaign(operator, audience={"segmentId": segment["id"]}))["campaign"]
    assert campaign["audience"]["segment"] == {"id": segment["id"]}

    # then the buyer may join, the stranger may not
    joined = (await buyer.execute(JOIN, {"id": campaign["id"]}))["kocCampaignJoin"]
    assert joined["errors"] == []
    refused = (await stranger.execute(JOIN, {"id": campaign["id"]}))["kocCampaignJoin"]
    assert refused["errors"][0]["code"] == "NOT_IN_AUDIENCE"
    view = (await buyer.execute(MEMBER_VIEW))["me"]["kocCampaignsAvailable"]
    assert [c["id"] for c in view] == [campaign["id"]]

    # and the segment cannot be deleted while the campaign uses it
    deleted = await operator.execute(
        "mutation($id: ID!) { segmentDelete(id: $id) { errors { field code } } }",
        {"id": segment["id"]},
    )
    assert deleted["segmentDelete"]["errors"] == [{"field": "id", "code": "IN_USE"}]


async def test_submitting_needs_a_sign_up_and_content(member_client, staff_client):
    operator = await staff_client(StaffRole.OPERATOR)
    campaign = (await create_campaign(operator))["campaign"]
    member = await member_client()

    not_joined = await member.execute(
        SUBMIT, {"input": {"campaignId": campaign["id"], "text": "hi"}}
    )
    assert not_joined["kocSubmissionCreate"]["errors"][0]["code"] == "NOT_JOINED"

    await member.execute(JOIN, {"id": campaign["id"]})
    empty = await member.execute(SUBMIT, {"input": {"campaignId": campaign["id"]}})
    assert empty["kocSubmissionCreate"]["errors"][0]["field"] == "text"
    bad_link = await member.execute(
        SUBMIT, {"input": {"campaignId": campaign["id"], "links": ["javascript:alert(1)"]}}
    )
    assert bad_link["kocSubmissionCreate"]["errors"][0] == {
        "field": "links",
        "code": "INVALID",
        "message": "Not an http(s) URL of at most 500 characters: 'javascript:alert(1)'.",
    }


async def test_campaign_input_is_validated(staff_client):
    operator = await staff_client(StaffRole.OPERATOR)
    backwards = await create_campaign(operator, startsAt=later(3), endsAt=later(2))
    assert backwards["errors"][0]["field"] == "endsAt"
    past = await create_campaign(operator, startsAt=ago(9), endsAt=ago(2))
    assert past["errors"][0]["field"] == "endsAt"
    no_stage = await create_campaign(operator, audience={"rule": {"stage": {"in": ["NOPE"]}}})
    assert no_stage["errors"] == [
        {"field": "audience.rule.stage.in", "code": "NOT_FOUND", "message": "No stage 'NOPE'."}
    ]
    no_segment = await create_campaign(operator, audience={"segmentId": gid("Segment", 999)})
    assert no_segment["errors"][0]["field"] == "audience.segmentId"
    both = await create_campaign(
        operator, audience={"rule": {"stage": {"in": ["CUSTOMER"]}}, "segmentId": gid("Segment", 1)}
    )
    assert both["errors"][0] == {
        "field": "audience",
        "code": "INVALID",
        "message": "Give a rule or a segmentId, not both.",
    }
    capacity = await create_campaign(operator, capacity=0)
    assert capacity["errors"][0]["field"] == "capacity"
    untitled = await create_campaign(operator, title="  ")
    assert untitled["errors"][0]["field"] == "title"
    listed = await operator.execute("{ kocCampaigns { totalCount } }")
    assert listed["kocCampaigns"]["totalCount"] == 0
