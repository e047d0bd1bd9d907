"""Members report what wx.requestSubscribeMessage answered; koc counts unused grants."""

from __future__ import annotations

from typing import Any

from tests.notifications.factories import BADGE_TEMPLATE, badge_mapping

REPORT = """mutation($input: MeSubscribeResultsReportInput!) {
  meSubscribeResultsReport(input: $input) {
    grants { templateId available acceptedTotal lastResult } errors { field code } } }"""
GRANTS = "{ me { subscribeGrants { templateId available lastResult } } }"


async def _report(member, **results: str) -> dict[str, Any]:
    answers = [{"templateId": t, "result": r} for t, r in results.items()]
    return (await member.execute(REPORT, {"input": {"results": answers}}))[
        "meSubscribeResultsReport"
    ]


async def test_each_accept_adds_one_grant_and_a_ban_voids_them(app, member_client) -> None:
    # given a template staff mapped, and a member
    await badge_mapping()
    member = await member_client()
    # when the member accepts it twice, then two messages may be sent
    await _report(member, **{BADGE_TEMPLATE: "ACCEPT"})
    payload = await _report(member, **{BADGE_TEMPLATE: "ACCEPT"})
    assert payload["errors"] == []
    assert payload["grants"] == [
        {"templateId": BADGE_TEMPLATE, "available": 2, "acceptedTotal": 2, "lastResult": "ACCEPT"}
    ]
    # a rejection is recorded and leaves the earlier grants (WeChat keeps them)
    payload = await _report(member, **{BADGE_TEMPLATE: "REJECT"})
    assert payload["grants"][0]["available"] == 2
    assert payload["grants"][0]["lastResult"] == "REJECT"
    # a ban (the template switched off in WeChat) voids them
    await _report(member, **{BADGE_TEMPLATE: "BAN"})
    me = (await member.execute(GRANTS))["me"]
    assert me["subscribeGrants"] == [
        {"templateId": BADGE_TEMPLATE, "available": 0, "lastResult": "BAN"}
    ]
    # and a later accept counts again
    payload = await _report(member, **{BADGE_TEMPLATE: "ACCEPT"})
    assert payload["grants"][0]["available"] == 1


async def test_grants_are_per_member(app, member_client) -> None:
    await badge_mapping()
    alice, bob = await member_client(), await member_client()
    await _report(alice, **{BADGE_TEMPLATE: "ACCEPT"})
    assert (await bob.execute(GRANTS))["me"]["subscribeGrants"] == []


async def test_unknown_templates_and_bad_reports_are_refused(app, member_client) -> None:
    await badge_mapping()
    member = await member_client()
    # a template no kind is mapped to
    payload = await _report(member, **{"tpl-nobody-mapped": "ACCEPT"})
    assert payload["errors"] == [{"field": "results.0.templateId", "code": "UNKNOWN_TEMPLATE"}]
    # an empty report
    data = await member.execute(REPORT, {"input": {"results": []}})
    assert data["meSubscribeResultsReport"]["errors"][0]["code"] == "INVALID"
    # nothing was written
    assert (await member.execute(GRANTS))["me"]["subscribeGrants"] == []
