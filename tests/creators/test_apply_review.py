"""A member applies from the mini-program, staff approve: ACTIVE with roles and a certificate."""

import re
from datetime import UTC, datetime

from koc.audit.models import AuditEntry
from koc.auth.models import StaffRole
from koc.events import KocStatusChanged
from tests.creators.factories import apply, review
from tests.events_spy import published

ME = """
{ me {
    stage { code }
    tags { tag { name group { name } } }
    koc { status roles activatedAt certificate { number issuedAt } }
    kocApplication { status kind rolesWanted rolesGranted rejectionReason canReapplyAt }
} }
"""

QUEUE = """
query($status: KocApplicationStatus) {
  kocApplications(status: $status, first: 10) {
    totalCount
    edges { node {
      id kind status rolesWanted statement links
      member { id nickname }
      candidate { score scores { overall content } breakdown { signal value points } }
    } }
  }
}
"""


async def test_apply_then_approve_makes_an_active_koc_with_certificate(member_client, staff_client):
    # given a member who applies for the CONTENT and EXPERIENCE roles
    member = await member_client(nickname="Lin")
    operator = await staff_client(StaffRole.OPERATOR)
    applied = await member.execute(
        """mutation($input: KocApplyInput!) { kocApply(input: $input) {
             application { id status kind rolesWanted statement links } errors { code } } }""",
        {
            "input": {
                "roles": ["EXPERIENCE", "CONTENT", "CONTENT"],
                "statement": "  I post weekly reviews of my car.  ",
                "links": ["https://www.xiaohongshu.com/explore/123"],
            }
        },
    )
    application = applied["kocApply"]["application"]
    assert application["status"] == "PENDING"
    assert application["kind"] == "APPLICATION"
    assert application["rolesWanted"] == ["CONTENT", "EXPERIENCE"]
    assert application["statement"] == "I post weekly reviews of my car."

    # then it waits in the staff review queue with the candidate's score breakdown
    queue = (await operator.execute(QUEUE, {"status": "PENDING"}))["kocApplications"]
    assert queue["totalCount"] == 1
    node = queue["edges"][0]["node"]
    assert node["member"]["nickname"] == "Lin"
    assert {b["signal"] for b in node["candidate"]["breakdown"]} >= {"ORDERS", "CONTENT_POSTS"}

    # and the member sees it as their open application, the profile as a CANDIDATE
    me = (await member.execute(ME))["me"]
    assert me["kocApplication"]["status"] == "PENDING"
    assert me["koc"]["status"] == "CANDIDATE"
    assert me["koc"]["certificate"] is None

    # when an operator approves it, granting only CONTENT
    with published(KocStatusChanged) as events:
        reviewed = await review(operator, application["id"], decision="APPROVE", roles=["CONTENT"])
    seen = [(e.member.id, e.status, e.roles) for e in events]

    # then the member is an ACTIVE content KOC with a certificate
    assert reviewed["errors"] == []
    assert reviewed["application"]["status"] == "APPROVED"
    assert reviewed["application"]["rolesGranted"] == ["CONTENT"]
    koc = reviewed["koc"]
    assert koc["status"] == "ACTIVE"
    assert koc["roles"] == ["CONTENT"]
    year = datetime.now(UTC).year
    assert re.fullmatch(rf"KOC-{year}-\d{{6}}", koc["certificate"]["number"])
    assert seen == [(member.member_id, "ACTIVE", ["CONTENT"])]

    # and the member's profile shows status, roles, certificate, stage and tier tag
    me = (await member.execute(ME))["me"]
    assert me["koc"]["status"] == "ACTIVE"
    assert me["koc"]["certificate"]["number"] == koc["certificate"]["number"]
    assert me["kocApplication"]["status"] == "APPROVED"
    assert me["stage"]["code"] == "SUPER_USER"
    assert {"name": "KOC", "group": {"name": "KOC tier"}} in [t["tag"] for t in me["tags"]]

    # and the review is in the audit log
    assert await AuditEntry.filter(action="koc.application_review").count() == 1


async def test_approval_defaults_to_the_roles_wanted_and_numbers_certificates_in_sequence(
    member_client, staff_client
):
    operator = await staff_client(StaffRole.OPERATOR)
    numbers = []
    for roles in (["CO_CREATION"], ["EXPERIENCE", "CO_CREATION"]):
        member = await member_client()
        applied = await apply(member, roles)
        reviewed = await review(operator, applied["application"]["id"], decision="APPROVE")
        assert reviewed["koc"]["roles"] == roles
        numbers.append(int(reviewed["koc"]["certificate"]["number"].rsplit("-", 1)[1]))
    assert numbers[1] == numbers[0] + 1


async def test_a_nomination_lands_in_the_same_queue(member_client, staff_client):
    # given an operator nominating a member
    member = await member_client()
    operator = await staff_client(StaffRole.OPERATOR)
    nominated = await operator.execute(
        """mutation($input: KocNominateInput!) { kocNominate(input: $input) {
             application { id kind status rolesWanted } errors { code } } }""",
        {
            "input": {
                "memberId": member.member_gid,
                "roles": ["EXPERIENCE"],
                "note": "Hosts test drives for friends every month.",
            }
        },
    )
    application = nominated["kocNominate"]["application"]
    assert application["kind"] == "NOMINATION"

    # then the member cannot apply on top of it
    again = await apply(member, ["CONTENT"])
    assert again["errors"][0]["code"] == "APPLICATION_OPEN"

    # and the member sees the nomination but not the staff note
    me = await member.execute("{ me { kocApplication { kind statement } } }")
    assert me["me"]["kocApplication"] == {"kind": "NOMINATION", "statement": ""}

    # when it is approved the member is an EXPERIENCE KOC
    reviewed = await review(operator, application["id"], decision="APPROVE")
    assert reviewed["koc"]["roles"] == ["EXPERIENCE"]

    # and an active KOC can neither apply nor be nominated again
    assert (await apply(member, ["CONTENT"]))["errors"][0]["code"] == "ALREADY_KOC"
