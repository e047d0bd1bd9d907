"""A whole program journey through a real GraphQL client (gql over HTTP) against a live server.

`koc serve` runs in a subprocess on a free 127.0.0.1 port with its own migrated SQLite file (also
when the rest of the suite runs on PostgreSQL), in production mode, talking to the fake WeChat
server. The client validates every document against the exported schema before sending it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from gql import Client, GraphQLRequest
from gql.transport.httpx import HTTPXAsyncTransport

from koc.cli import export_schema_sdl
from koc.devtools.wechat import WeChatServer
from tests.live import ADMIN_PASSWORD, live_koc


@pytest.fixture
def live_server(tmp_path: Path, wechat_server: WeChatServer) -> Iterator[str]:
    with live_koc(tmp_path, wechat_server.base_url) as base:
        yield base


class Caller:
    """One caller of the live API through gql, validating documents against the schema."""

    def __init__(self, base: str, sdl: str, token: str | None = None) -> None:
        self.base = base
        self.sdl = sdl
        self.token = token

    async def run(self, document: str, **variables: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        transport = HTTPXAsyncTransport(url=f"{self.base}/graphql", headers=headers, timeout=10)
        async with Client(transport=transport, schema=self.sdl) as session:
            return await session.execute(GraphQLRequest(document, variable_values=variables))


def no_errors(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["errors"] == [], payload["errors"]
    return payload


STAFF_LOGIN = """
mutation($u: String!, $p: String!) {
  staffLogin(username: $u, password: $p) { session { accessToken } errors { code } }
}"""
MEMBER_LOGIN = """
mutation($code: String!) {
  memberLogin(code: $code, channel: "journey") {
    session { accessToken refreshToken } member { id } created errors { code }
  }
}"""
PARTNER_TOKEN = """
mutation($input: PartnerTokenCreateInput!) {
  partnerTokenCreate(input: $input) { token partnerToken { name scopes } errors { code } }
}"""
MY_CODE = "{ me { referralCode { code scene } } }"
BIND = """
mutation($code: String!) {
  referralBind(input: {code: $code, channel: SHARE}) {
    referral { milestone refereeName } errors { code }
  }
}"""
ORDER = """
mutation($input: OrderRecordInput!) {
  orderRecord(input: $input) { order { status amountCents } replayed errors { code } }
}"""
MY_REFERRALS = """
{ me { referrals(first: 10) { totalCount edges { node { milestone refereeName } } }
       referredBy { milestone } } }"""
APPLY = """
mutation {
  kocApply(input: {roles: [CONTENT], statement: "I post road-trip stories every week."}) {
    application { id status } errors { code }
  }
}"""
REVIEW = """
mutation($id: ID!) {
  kocApplicationReview(input: {applicationId: $id, decision: APPROVE}) {
    koc { status } errors { code }
  }
}"""
MY_KOC = "{ me { koc { status roles certificate { number issuedAt } } kocApplication { status } } }"
JOB = """query($id: ID!) { job(id: $id) { status summary } }"""
PRIVILEGE_CREATE = """
mutation($input: PrivilegeCreateInput!) {
  privilegeCreate(input: $input) { privilege { id } job { id } errors { code } }
}"""
REDEEM = """
mutation($id: ID!) {
  privilegeRedeem(input: {privilegeId: $id, idempotencyKey: "journey-1"}) {
    redemption { channel privilege { code } } replayed errors { code }
  }
}"""
MY_GRANTS = (
    "{ me { privilegeGrants(includeInactive: true) { status usesLeft privilege { code } } } }"
)
SURVEY_CREATE = """
mutation($input: SurveyCreateInput!) {
  surveyCreate(input: $input) {
    survey { id questions { id key options { id key } } } errors { code }
  }
}"""
SURVEY_PUBLISH = """
mutation($id: ID!) { surveyPublish(input: {id: $id}) { survey { status } errors { code } } }"""
MY_SURVEYS = "{ me { surveys(first: 10) { edges { node { id title myStatus } } } } }"
RESPOND = """
mutation($input: SurveyRespondInput!) {
  surveyRespond(input: $input) { response { channel } errors { code } }
}"""
RESULTS = """
query($id: ID!) {
  surveyResults(surveyId: $id) {
    responseCount
    questions { question { key } respondentCount options { option { key } count }
                rating { average } }
  }
}"""


async def member_login(base: str, sdl: str, wechat: WeChatServer, code: str, openid: str) -> Caller:
    wechat.state.login_codes[code] = (openid, f"union-{openid}")
    login = (await Caller(base, sdl).run(MEMBER_LOGIN, code=code))["memberLogin"]
    assert no_errors(login)["created"] is True
    return Caller(base, sdl, login["session"]["accessToken"])


async def test_a_member_journey_end_to_end(live_server: str, wechat_server: WeChatServer) -> None:
    base, sdl = live_server, export_schema_sdl()

    # Staff signs in with the password set by `koc create-staff`.
    login = (await Caller(base, sdl).run(STAFF_LOGIN, u="admin", p=ADMIN_PASSWORD))["staffLogin"]
    admin = Caller(base, sdl, no_errors(login)["session"]["accessToken"])

    # The admin creates a dealer DMS token; its secret is shown once.
    created = (
        await admin.run(PARTNER_TOKEN, input={"name": "Dealer DMS", "scopes": ["ORDERS_WRITE"]})
    )["partnerTokenCreate"]
    assert no_errors(created)["token"].startswith("koc_pt_")
    assert created["partnerToken"] == {"name": "Dealer DMS", "scopes": ["ORDERS_WRITE"]}
    dealer = Caller(base, sdl, created["token"])

    # Two members sign in through WeChat; the second binds the first one's code.
    alice = await member_login(base, sdl, wechat_server, "code-alice", "openid-alice")
    bob = await member_login(base, sdl, wechat_server, "code-bob", "openid-bob")
    code = (await alice.run(MY_CODE))["me"]["referralCode"]
    assert code["scene"] == f"r={code['code']}"
    bound = no_errors((await bob.run(BIND, code=code["scene"]))["referralBind"])
    assert bound["referral"]["milestone"] == "LEAD"
    seen = (await alice.run(MY_REFERRALS))["me"]
    assert [e["node"]["milestone"] for e in seen["referrals"]["edges"]] == ["LEAD"]

    # The dealer reports Bob's purchase: the referral converts, Alice sees it.
    bob_id = (await bob.run("{ me { id } }"))["me"]["id"]
    order = (
        await dealer.run(
            ORDER,
            input={
                "externalId": "DMS-JOURNEY-1",
                "member": {"memberId": bob_id},
                "amountCents": 32_800_000,
                "currency": "CNY",
                "category": "vehicle",
                "occurredAt": datetime.now(UTC).isoformat(),
            },
        )
    )["orderRecord"]
    assert no_errors(order)["order"]["amountCents"] == 32_800_000
    assert order["replayed"] is False
    seen = (await alice.run(MY_REFERRALS))["me"]
    assert seen["referrals"]["totalCount"] == 1
    referee = seen["referrals"]["edges"][0]["node"]
    assert referee["milestone"] == "CONVERTED"
    assert "*" in referee["refereeName"]  # masked for the referrer
    assert (await bob.run(MY_REFERRALS))["me"]["referredBy"] == {"milestone": "CONVERTED"}

    # Alice applies as a CONTENT KOC; staff approve; she is ACTIVE with a certificate.
    applied = no_errors((await alice.run(APPLY))["kocApply"])
    assert applied["application"]["status"] == "PENDING"
    reviewed = (await admin.run(REVIEW, id=applied["application"]["id"]))["kocApplicationReview"]
    assert no_errors(reviewed)["koc"]["status"] == "ACTIVE"
    koc = (await alice.run(MY_KOC))["me"]
    assert koc["koc"]["status"] == "ACTIVE"
    assert koc["koc"]["roles"] == ["CONTENT"]
    assert koc["koc"]["certificate"]["number"].startswith("KOC-")
    assert koc["kocApplication"]["status"] == "APPROVED"

    # A privilege for every KOC is granted to Alice, who redeems it online once.
    privilege = (
        await admin.run(
            PRIVILEGE_CREATE,
            input={
                "code": "KOC_CAR_WASH",
                "name": "Free car wash",
                "kind": "SERVICE",
                "audience": {"rule": {"koc": {"statuses": ["ACTIVE"]}}},
            },
        )
    )["privilegeCreate"]
    # koc serve's embedded worker runs the job that grants it to every eligible member
    for _ in range(300):
        job = (await admin.run(JOB, id=no_errors(privilege)["job"]["id"]))["job"]
        if job["status"] == "DONE":
            break
        await asyncio.sleep(0.05)
    assert job["summary"] == "Granted KOC_CAR_WASH to 1 members, withdrew it from 0"
    assert (await alice.run(MY_GRANTS))["me"]["privilegeGrants"] == [
        {"status": "ACTIVE", "usesLeft": 1, "privilege": {"code": "KOC_CAR_WASH"}}
    ]
    redeemed = (await alice.run(REDEEM, id=privilege["privilege"]["id"]))["privilegeRedeem"]
    assert no_errors(redeemed)["redemption"] == {
        "channel": "ONLINE",
        "privilege": {"code": "KOC_CAR_WASH"},
    }
    assert redeemed["replayed"] is False
    again = (await alice.run(REDEEM, id=privilege["privilege"]["id"]))["privilegeRedeem"]
    assert again["replayed"] is True
    grants = (await alice.run(MY_GRANTS))["me"]["privilegeGrants"]
    assert [(g["status"], g["usesLeft"]) for g in grants] == [("REDEEMED", 0)]

    # Staff publish a survey; Alice sees it, answers it, and staff read the result.
    survey = (
        await admin.run(
            SURVEY_CREATE,
            input={
                "title": "What comes after the car?",
                "purpose": "CATEGORY_EXPANSION",
                "questions": [
                    {
                        "key": "charger",
                        "kind": "SINGLE_CHOICE",
                        "prompt": "Do you want a home charger?",
                        "required": True,
                        "options": [{"key": "yes", "label": "Yes"}, {"key": "no", "label": "No"}],
                    },
                    {"key": "happy", "kind": "RATING", "prompt": "Happy?", "ratingScale": "FIVE"},
                ],
            },
        )
    )["surveyCreate"]
    survey = no_errors(survey)["survey"]
    published = (await admin.run(SURVEY_PUBLISH, id=survey["id"]))["surveyPublish"]
    assert no_errors(published)["survey"]["status"] == "OPEN"
    mine = (await alice.run(MY_SURVEYS))["me"]["surveys"]["edges"]
    assert [(e["node"]["id"], e["node"]["myStatus"]) for e in mine] == [
        (survey["id"], "NOT_STARTED")
    ]
    charger, happy = survey["questions"]
    answers = [
        {"questionId": charger["id"], "optionIds": [charger["options"][0]["id"]]},
        {"questionId": happy["id"], "rating": 5},
    ]
    response = (await alice.run(RESPOND, input={"surveyId": survey["id"], "answers": answers}))[
        "surveyRespond"
    ]
    assert no_errors(response)["response"]["channel"] == "MINI_PROGRAM"
    mine = (await alice.run(MY_SURVEYS))["me"]["surveys"]["edges"]
    assert mine[0]["node"]["myStatus"] == "RESPONDED"
    results = (await admin.run(RESULTS, id=survey["id"]))["surveyResults"]
    assert results["responseCount"] == 1
    by_key = {q["question"]["key"]: q for q in results["questions"]}
    assert {o["option"]["key"]: o["count"] for o in by_key["charger"]["options"]} == {
        "yes": 1,
        "no": 0,
    }
    assert by_key["happy"]["rating"]["average"] == 5
