"""Who may do what: members see only their own application, ANALYST reads but cannot review."""

from koc.auth.models import StaffRole
from koc.creators.models import KocApplication
from tests.creators.factories import APPLY, REVIEW, apply, create_campaign

QUEUE = "{ kocApplications { totalCount } }"
CANDIDATES = "{ kocCandidates { totalCount } }"
CAMPAIGN = """
mutation { kocCampaignCreate(input: {title: "t", brief: "b", role: CONTENT,
  startsAt: "2030-01-01T00:00:00Z", endsAt: "2030-02-01T00:00:00Z"}) { errors { code } } }
"""


def codes(errors):
    return [e["extensions"]["code"] for e in errors]


async def test_a_member_reads_only_their_own_application(member_client):
    # given two members who applied
    alice = await member_client()
    bob = await member_client()
    alice_app = (await apply(alice, ["CONTENT"]))["application"]["id"]
    await apply(bob, ["EXPERIENCE"])

    # then alice reads her application by ID but not bob's, nor the queue
    mine = await alice.execute(
        "query($id: ID!) { node(id: $id) { ... on KocApplication { status } } }",
        {"id": alice_app},
    )
    assert mine["node"] == {"status": "PENDING"}
    bob_app = (await bob.execute("{ me { kocApplication { id } } }"))["me"]["kocApplication"]["id"]
    theirs = await alice.errors("query($id: ID!) { node(id: $id) { id } }", {"id": bob_app})
    assert codes(theirs) == ["FORBIDDEN"]
    assert codes(await alice.errors(QUEUE)) == ["FORBIDDEN"]
    assert codes(await alice.errors(CANDIDATES)) == ["FORBIDDEN"]
    submissions = await alice.errors(
        "query($id: ID!) { kocCampaignSubmissions(campaignId: $id) { totalCount } }",
        {"id": "S29jQ2FtcGFpZ246MQ=="},
    )
    assert codes(submissions) == ["FORBIDDEN"]

    # and cannot read bob's KOC fields through his member
    other = await alice.errors(
        "query($id: ID!) { member(id: $id) { koc { status } } }", {"id": bob.member_gid}
    )
    assert codes(other) == ["FORBIDDEN"]


async def test_an_analyst_reads_the_queue_but_cannot_review(member_client, staff_client):
    member = await member_client()
    application = (await apply(member, ["CONTENT"]))["application"]["id"]
    analyst = await staff_client(StaffRole.ANALYST)

    assert (await analyst.execute(QUEUE))["kocApplications"]["totalCount"] == 1
    assert (await analyst.execute(CANDIDATES))["kocCandidates"]["totalCount"] >= 0
    refused = await analyst.errors(
        REVIEW, {"input": {"applicationId": application, "decision": "APPROVE"}}
    )
    assert codes(refused) == ["FORBIDDEN"]
    assert (await KocApplication.get()).status == "PENDING"

    for mutation, variables in [
        (
            "mutation($m: ID!) { kocNominate(input: {memberId: $m, roles: [CONTENT]}) { errors { code } } }",
            {"m": member.member_gid},
        ),
        (
            'mutation($m: ID!) { kocStatusSet(input: {memberId: $m, status: ACTIVE, reason: "x"}) { errors { code } } }',
            {"m": member.member_gid},
        ),
        (
            "mutation { kocScoringWeightsSet(input: {signals: [{signal: ORDERS, weight: 1, saturation: 1}]}) { errors { code } } }",
            {},
        ),
    ]:
        assert codes(await analyst.errors(mutation, variables)) == ["FORBIDDEN"]
    assert codes(await analyst.errors(CAMPAIGN)) == ["FORBIDDEN"]


async def test_staff_cannot_apply_and_members_cannot_staff(member_client, staff_client):
    operator = await staff_client(StaffRole.OPERATOR)
    refused = await operator.errors(APPLY, {"input": {"roles": ["CONTENT"], "statement": "me"}})
    assert codes(refused) == ["FORBIDDEN"]
    member = await member_client()
    assert codes(await member.errors(CAMPAIGN)) == ["FORBIDDEN"]
    weights = await member.errors("{ kocScoringWeights { signals { signal } } }")
    assert codes(weights) == ["FORBIDDEN"]


async def test_anonymous_callers_must_sign_in(anon_client, staff_client):
    operator = await staff_client(StaffRole.OPERATOR)
    await create_campaign(operator)
    assert codes(await anon_client.errors("{ kocCampaigns { totalCount } }")) == ["UNAUTHENTICATED"]
    assert codes(
        await anon_client.errors(APPLY, {"input": {"roles": ["CONTENT"], "statement": "x"}})
    ) == ["UNAUTHENTICATED"]
