"""The review queue and the campaign lists cost the same SQL statements whatever the page size."""

from koc.auth.models import StaffRole
from tests.creators.factories import JOIN, apply, create_campaign
from tests.sqlcount import count_statements

QUEUE = """
query($first: Int) { kocApplications(first: $first) { edges { node {
  status member { nickname koc { status roles } }
  candidate { score breakdown { signal points } }
} } } }
"""
CAMPAIGNS = """
query($first: Int) { kocCampaigns(first: $first) { edges { node {
  title status joined spotsLeft audience { minScore rule }
  mySubmissions { text }
} } } }
"""
STAFF_CAMPAIGNS = """
query($first: Int) { kocCampaigns(first: $first) { edges { node {
  title audience { minScore rule segment { name memberCount } }
} } } }
"""


async def statements(client, query, first, key):
    with count_statements() as counter:
        data = await client.execute(query, {"first": first})
    assert len(data[key]["edges"]) == first
    return counter.count


async def test_the_queue_costs_constant_statements(member_client, staff_client):
    for _ in range(4):
        await apply(await member_client(), ["CONTENT"])
    analyst = await staff_client(StaffRole.ANALYST)
    small = await statements(analyst, QUEUE, 1, "kocApplications")
    large = await statements(analyst, QUEUE, 4, "kocApplications")
    assert small == large


async def test_campaign_lists_cost_constant_statements(member_client, staff_client):
    operator = await staff_client(StaffRole.OPERATOR)
    member = await member_client()
    for n in range(4):
        campaign = (await create_campaign(operator, title=f"Challenge {n}"))["campaign"]
        await member.execute(JOIN, {"id": campaign["id"]})
    assert await statements(member, CAMPAIGNS, 1, "kocCampaigns") == await statements(
        member, CAMPAIGNS, 4, "kocCampaigns"
    )
    assert await statements(operator, STAFF_CAMPAIGNS, 1, "kocCampaigns") == await statements(
        operator, STAFF_CAMPAIGNS, 4, "kocCampaigns"
    )
