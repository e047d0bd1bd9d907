"""Concurrent approvals get distinct certificates; concurrent sign-ups respect the capacity;
concurrent applications of one member leave one open application."""

import asyncio

from koc.auth.models import StaffRole
from koc.creators.models import CampaignParticipant, KocApplication, KocProfile
from tests.creators.factories import APPLY, JOIN, apply, create_campaign, review


async def test_parallel_approvals_number_certificates_uniquely(member_client, staff_client):
    operator = await staff_client(StaffRole.OPERATOR)
    applications = []
    for _ in range(6):
        member = await member_client()
        applications.append((await apply(member, ["CONTENT"]))["application"]["id"])

    results = await asyncio.gather(*(review(operator, a, decision="APPROVE") for a in applications))

    numbers = [r["koc"]["certificate"]["number"] for r in results]
    assert all(r["errors"] == [] for r in results)
    assert len(set(numbers)) == 6
    assert await KocProfile.filter(status="ACTIVE").count() == 6


async def test_parallel_sign_ups_never_exceed_the_capacity(member_client, staff_client):
    operator = await staff_client(StaffRole.OPERATOR)
    campaign = (await create_campaign(operator, capacity=3))["campaign"]
    members = [await member_client() for _ in range(8)]

    results = await asyncio.gather(*(m.execute(JOIN, {"id": campaign["id"]}) for m in members))

    codes = [
        r["kocCampaignJoin"]["errors"][0]["code"] for r in results if r["kocCampaignJoin"]["errors"]
    ]
    assert codes == ["FULL"] * 5
    assert await CampaignParticipant.all().count() == 3
    listed = await operator.execute(
        "query($id: ID!) { node(id: $id) { ... on KocCampaign { participantCount spotsLeft } } }",
        {"id": campaign["id"]},
    )
    assert listed["node"] == {"participantCount": 3, "spotsLeft": 0}


async def test_parallel_applications_leave_one_open(member_client):
    member = await member_client()
    results = await asyncio.gather(
        *(
            member.execute(APPLY, {"input": {"roles": ["CONTENT"], "statement": "me"}})
            for _ in range(5)
        )
    )
    accepted = [r for r in results if not r["kocApply"]["errors"]]
    assert len(accepted) == 1
    assert await KocApplication.all().count() == 1
