"""The brand's scoring weights: documented defaults, validated changes that re-rank everyone."""

from koc.audit.models import AuditEntry
from koc.auth.models import StaffRole
from tests.creators.factories import event

WEIGHTS = """
{ kocScoringWeights { signals {
    signal description weight saturation defaultWeight
    affinity { content experience coCreation }
} } }
"""
SET = """
mutation($input: KocScoringWeightsSetInput!) {
  kocScoringWeightsSet(input: $input) {
    weights { signals { signal weight saturation affinity { experience } } }
    errors { field code message }
  }
}
"""
RANKING = "{ kocCandidates { edges { node { member { nickname } score } } } }"


def by_signal(data):
    return {s["signal"]: s for s in data}


async def test_defaults_are_shown_and_a_change_re_ranks(
    member_client, partner_client, staff_client
):
    # given a content writer ahead of a test-drive host under the default weights
    partner = await partner_client(["events:write"])
    writer = await member_client(nickname="writer")
    host = await member_client(nickname="host")
    for _ in range(4):
        await event(partner, writer.member_id, "CONTENT_POSTED", 3)
    await event(partner, host.member_id, "TEST_DRIVE", 3, {"hosted": True})
    operator = await staff_client(StaffRole.OPERATOR)
    analyst = await staff_client(StaffRole.ANALYST)
    defaults = by_signal((await analyst.execute(WEIGHTS))["kocScoringWeights"]["signals"])
    assert defaults["CONTENT_POSTS"]["weight"] == 15
    assert defaults["CONTENT_POSTS"]["affinity"]["content"] == 2
    assert defaults["RECENCY"]["description"].startswith("Days since the last activity")
    ranking = await analyst.execute(RANKING)
    assert ranking["kocCandidates"]["edges"][0]["node"]["member"]["nickname"] == "writer"

    # when an operator makes hosted test drives count much more
    changed = await operator.execute(
        SET,
        {
            "input": {
                "signals": [
                    {
                        "signal": "TEST_DRIVES_HOSTED",
                        "weight": 60,
                        "saturation": 1,
                        "experience": 3,
                    }
                ]
            }
        },
    )
    assert changed["kocScoringWeightsSet"]["errors"] == []
    now = by_signal(changed["kocScoringWeightsSet"]["weights"]["signals"])
    assert now["TEST_DRIVES_HOSTED"]["weight"] == 60
    assert now["CONTENT_POSTS"]["weight"] == 15

    # then the stored ranking changed at once: the host leads
    ranking = await analyst.execute(RANKING)
    assert ranking["kocCandidates"]["edges"][0]["node"]["member"]["nickname"] == "host"
    shown = by_signal((await analyst.execute(WEIGHTS))["kocScoringWeights"]["signals"])
    assert shown["TEST_DRIVES_HOSTED"]["defaultWeight"] == 10
    assert await AuditEntry.filter(action="koc.scoring_weights_set").count() == 1


async def test_bad_weights_are_refused_and_nothing_changes(staff_client):
    operator = await staff_client(StaffRole.OPERATOR)
    for signals in (
        [],
        [{"signal": "ORDERS", "weight": 10, "saturation": 0}],
        [{"signal": "ORDERS", "weight": 10, "saturation": 3, "content": -1}],
        [
            {"signal": "ORDERS", "weight": 1, "saturation": 1},
            {"signal": "ORDERS", "weight": 2, "saturation": 1},
        ],
    ):
        result = await operator.execute(SET, {"input": {"signals": signals}})
        assert result["kocScoringWeightsSet"]["weights"] is None
        assert result["kocScoringWeightsSet"]["errors"][0]["field"] == "signals"
    shown = by_signal((await operator.execute(WEIGHTS))["kocScoringWeights"]["signals"])
    assert shown["ORDERS"]["weight"] == 10
