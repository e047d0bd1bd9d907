"""Consent per purpose under versioned policies, and the one check features make."""

from __future__ import annotations

from typing import Any

from koc.auth.models import StaffRole
from koc.consent.models import ConsentDecision, Purpose
from koc.consent.services import may_process
from koc.members.models import Member
from tests.consent.factories import decide
from tests.sqlcount import count_statements

PUBLISH = """mutation($input: PrivacyPolicyPublishInput!) { privacyPolicyPublish(input: $input) {
  policy { id version } errors { field code } } }"""
CURRENT = "{ privacyPolicy { id version url reconsentRequired } }"
SET = """mutation($input: MeConsentSetInput!) { meConsentSet(input: $input) {
  consents { purpose granted needsDecision } errors { field code } } }"""
MINE = """{ me {
  consents { purpose granted needsDecision decision { granted channel policy { version } } }
  consentHistory { purpose granted channel decidedAt policy { version } } } }"""


async def _publish(admin, version: str, reconsent: bool = False) -> str:
    policy_input = {
        "version": version,
        "url": f"https://brand.example/privacy/{version}",
        "reconsentRequired": reconsent,
    }
    payload = (await admin.execute(PUBLISH, {"input": policy_input}))["privacyPolicyPublish"]
    assert payload["errors"] == [], payload
    return payload["policy"]["id"]


async def _set(member, policy_id: str, **decisions: bool) -> dict[str, Any]:
    choices = [{"purpose": p, "granted": g} for p, g in decisions.items()]
    data = await member.execute(SET, {"input": {"policyId": policy_id, "decisions": choices}})
    return data["meConsentSet"]


def _standing(me: dict[str, Any]) -> dict[str, tuple[bool, bool]]:
    return {c["purpose"]: (c["granted"], c["needsDecision"]) for c in me["consents"]}


async def test_decisions_are_recorded_per_policy_version(
    app: Any, anon_client, member_client, staff_client
) -> None:
    admin = await staff_client(StaffRole.ADMIN)
    member = await member_client()
    # given no policy yet: nothing to decide under, defaults apply
    assert (await anon_client.execute(CURRENT))["privacyPolicy"] is None
    assert _standing((await member.execute(MINE))["me"]) == {
        "MARKETING": (False, False),
        "PROFILING": (True, False),
        "SHARING": (False, False),
    }
    # when the brand publishes v1, anyone can read it and the member is asked
    v1 = await _publish(admin, "v1")
    assert (await anon_client.execute(CURRENT))["privacyPolicy"]["version"] == "v1"
    me = (await member.execute(MINE))["me"]
    assert {needs for _, needs in _standing(me).values()} == {True}
    # the member grants marketing and sharing, and withdraws profiling
    payload = await _set(member, v1, MARKETING=True, SHARING=True, PROFILING=False)
    assert payload["errors"] == []
    me = (await member.execute(MINE))["me"]
    assert _standing(me) == {
        "MARKETING": (True, False),
        "PROFILING": (False, False),
        "SHARING": (True, False),
    }
    assert {
        (h["purpose"], h["granted"], h["channel"], h["policy"]["version"])
        for h in me["consentHistory"]
    } == {
        ("MARKETING", True, "MINI_PROGRAM", "v1"),
        ("SHARING", True, "MINI_PROGRAM", "v1"),
        ("PROFILING", False, "MINI_PROGRAM", "v1"),
    }
    # a new version asks again; the grants still count meanwhile
    v2 = await _publish(admin, "v2")
    assert _standing((await member.execute(MINE))["me"])["SHARING"] == (True, True)
    # deciding under a version the member was not shown last is refused
    stale = await _set(member, v1, SHARING=False)
    assert stale["errors"] == [{"field": "policyId", "code": "POLICY_OUTDATED"}]
    assert await ConsentDecision.filter(member_id=member.member_id).count() == 3
    # a version that needs new consent makes old grants lapse; a refusal stands
    await _set(member, v2, MARKETING=True)
    await _publish(admin, "v3", reconsent=True)
    assert _standing((await member.execute(MINE))["me"]) == {
        "MARKETING": (False, True),
        "PROFILING": (False, True),
        "SHARING": (False, True),
    }


async def test_bad_policies_and_decisions_are_refused(
    app: Any, member_client, staff_client
) -> None:
    admin = await staff_client(StaffRole.ADMIN)
    v1 = await _publish(admin, "v1")
    cases = [
        ({"version": "v1", "url": "https://brand.example/p"}, ("version", "VERSION_TAKEN")),
        ({"version": "", "url": "https://brand.example/p"}, ("version", "INVALID")),
        ({"version": "v9", "url": "ftp://brand.example/p"}, ("url", "INVALID")),
    ]
    for policy_input, (field, code) in cases:
        payload = (await admin.execute(PUBLISH, {"input": policy_input}))["privacyPolicyPublish"]
        assert payload["errors"] == [{"field": field, "code": code}]
    member = await member_client()
    twice = [{"purpose": "SHARING", "granted": True}, {"purpose": "SHARING", "granted": False}]
    for decisions in ([], twice):
        data = await member.execute(SET, {"input": {"policyId": v1, "decisions": decisions}})
        assert data["meConsentSet"]["errors"] == [{"field": "decisions", "code": "INVALID"}]
    assert await ConsentDecision.all().count() == 0


async def test_may_process_answers_for_a_whole_audience_in_one_statement(app: Any) -> None:
    # given 200 members: some granted marketing, some withdrew it, most never decided
    members = [await Member.create(nickname=f"m{i}") for i in range(200)]
    granted = {m.id for m in members[:20]}
    for m in members[:30]:
        await decide(m.id, Purpose.MARKETING, granted=m.id in granted)
    ids = [m.id for m in members]
    # when a notification job asks who may get a marketing message
    with count_statements() as counter:
        allowed = await may_process(ids, Purpose.MARKETING)
    # then it is one statement, and only those who granted it
    assert counter.count == 1
    assert allowed == granted
    # and profiling, allowed until withdrawn, leaves out the one who withdrew it
    await decide(members[0].id, Purpose.PROFILING, granted=False)
    assert await may_process(ids, Purpose.PROFILING) == set(ids) - {members[0].id}
