"""kocCandidates ranks non-KOC members by score, with the breakdown that explains it."""

from koc.auth.models import StaffRole
from tests.creators.factories import event, make_koc, order
from tests.sqlcount import count_statements

CANDIDATES = """
query($role: KocRole, $minScore: Float, $first: Int, $after: String) {
  kocCandidates(role: $role, minScore: $minScore, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      score
      scores { overall content experience coCreation }
      kocStatus
      member { nickname }
      breakdown { signal value normalized weight affinity points }
    } }
  }
}
"""


async def seed_brand(member_client, partner_client):
    """Realistic members of a car brand: a writer, a host, a loyal buyer, a complainer, a lurker."""
    partner = await partner_client(["orders:write", "events:write"])
    writer = await member_client(nickname="writer")
    host = await member_client(nickname="host")
    buyer = await member_client(nickname="buyer")
    complainer = await member_client(nickname="complainer")
    lurker = await member_client(nickname="lurker")

    await order(partner, writer.member_id, 25_900_000, days_ago=400)
    for days in (30, 20, 12, 6, 2):
        await event(partner, writer.member_id, "CONTENT_POSTED", days, {"url": "https://x.com/1"})

    await order(partner, host.member_id, 31_900_000, days_ago=700)
    for days in (40, 25, 9):
        await event(partner, host.member_id, "TEST_DRIVE", days, {"hosted": True})
    for days in (50, 14):
        await event(partner, host.member_id, "EVENT_ATTENDED", days)

    await order(partner, buyer.member_id, 29_900_000, days_ago=900)
    await order(partner, buyer.member_id, 1_200_000, days_ago=300)

    await order(partner, complainer.member_id, 26_900_000, days_ago=100)
    for days in (20, 10):
        await event(partner, complainer.member_id, "COMPLAINT", days)

    await event(partner, lurker.member_id, "ARTICLE_READ", 200)
    return {"writer": writer, "host": host, "buyer": buyer, "complainer": complainer}


def names(data):
    return [e["node"]["member"]["nickname"] for e in data["kocCandidates"]["edges"]]


async def test_candidates_rank_by_role_with_the_breakdown(
    member_client, partner_client, staff_client
):
    # given a brand's members with orders and events
    await seed_brand(member_client, partner_client)
    analyst = await staff_client(StaffRole.ANALYST)

    # when staff list content candidates
    content = await analyst.execute(CANDIDATES, {"role": "CONTENT"})

    # then the writer leads, the lurker trails, and the scores are sorted
    ranked = names(content)
    assert ranked[0] == "writer"
    assert ranked[-1] == "lurker"
    scores = [e["node"]["score"] for e in content["kocCandidates"]["edges"]]
    assert scores == sorted(scores, reverse=True)
    assert content["kocCandidates"]["totalCount"] == 5

    # and the breakdown shows why: five posts, doubled for CONTENT, adding up to the score
    top = content["kocCandidates"]["edges"][0]["node"]
    posts = next(b for b in top["breakdown"] if b["signal"] == "CONTENT_POSTS")
    assert (posts["value"], posts["affinity"], posts["points"]) == (5, 2, 15)
    assert round(sum(b["points"] for b in top["breakdown"]), 2) == top["score"]
    assert top["score"] == top["scores"]["content"]

    # and experience candidates put the test-drive host first
    experience = await analyst.execute(CANDIDATES, {"role": "EXPERIENCE"})
    assert names(experience)[0] == "host"
    host = experience["kocCandidates"]["edges"][0]["node"]
    drives = next(b for b in host["breakdown"] if b["signal"] == "TEST_DRIVES_HOSTED")
    assert drives["value"] == 3 and drives["points"] == 20

    # and complaints cost the complainer: below the loyal buyer overall
    overall = names(await analyst.execute(CANDIDATES, {}))
    assert overall.index("buyer") < overall.index("complainer")


async def test_min_score_and_paging(member_client, partner_client, staff_client):
    await seed_brand(member_client, partner_client)
    analyst = await staff_client(StaffRole.ANALYST)

    strong = await analyst.execute(CANDIDATES, {"minScore": 30})
    assert all(e["node"]["score"] >= 30 for e in strong["kocCandidates"]["edges"])
    assert "lurker" not in names(strong)
    assert strong["kocCandidates"]["totalCount"] == len(names(strong))

    page1 = await analyst.execute(CANDIDATES, {"first": 2})
    page2 = await analyst.execute(
        CANDIDATES, {"first": 2, "after": page1["kocCandidates"]["pageInfo"]["endCursor"]}
    )
    everyone = names(await analyst.execute(CANDIDATES, {}))
    assert names(page1) + names(page2) == everyone[:4]


async def test_active_kocs_are_not_candidates(member_client, partner_client, staff_client):
    members = await seed_brand(member_client, partner_client)
    operator = await staff_client(StaffRole.OPERATOR)

    # when the writer becomes a KOC
    await make_koc(members["writer"], operator, ["CONTENT"])

    # then the writer leaves the candidate list and its count
    data = await operator.execute(CANDIDATES, {"role": "CONTENT"})
    ranked = names(data)
    assert "writer" not in ranked
    assert len(ranked) == data["kocCandidates"]["totalCount"] == 4


async def test_listing_costs_the_same_statements_whatever_the_page_size(
    member_client, partner_client, staff_client
):
    await seed_brand(member_client, partner_client)
    analyst = await staff_client(StaffRole.ANALYST)
    counts = []
    for first in (2, 5):
        with count_statements() as counter:
            data = await analyst.execute(CANDIDATES, {"first": first})
        assert len(data["kocCandidates"]["edges"]) == first
        counts.append(counter.count)
    assert counts[0] == counts[1]
