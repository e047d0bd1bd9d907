"""Bad input is refused with typed errors and nothing is written."""

from koc.auth.models import StaffRole
from koc.creators.models import KocApplication, KocProfile
from tests.creators.factories import APPLY, NOMINATE, REVIEW


async def apply_errors(member, **fields):
    values = {"roles": ["CONTENT"], "statement": "I love it.", **fields}
    data = await member.execute(APPLY, {"input": values})
    assert data["kocApply"]["application"] is None
    return data["kocApply"]["errors"]


async def test_apply_input_is_validated(member_client):
    member = await member_client()
    assert (await apply_errors(member, roles=[]))[0]["code"] == "ROLES_REQUIRED"
    assert (await apply_errors(member, statement="   "))[0]["field"] == "statement"
    assert (await apply_errors(member, statement="x" * 2001))[0]["field"] == "statement"
    assert (await apply_errors(member, links=["not a url"]))[0]["field"] == "links"
    too_many = [f"https://example.com/{n}" for n in range(11)]
    assert (await apply_errors(member, links=too_many))[0]["field"] == "links"
    assert await KocApplication.all().count() == 0
    assert await KocProfile.all().count() == 0


async def test_an_unknown_role_is_a_graphql_validation_error(member_client):
    member = await member_client()
    errors = await member.errors(APPLY, {"input": {"roles": ["SINGER"], "statement": "hi"}})
    assert "SINGER" in errors[0]["message"]


async def test_review_and_nomination_input_is_validated(member_client, staff_client):
    operator = await staff_client(StaffRole.OPERATOR)
    member = await member_client()
    missing = await operator.execute(
        REVIEW, {"input": {"applicationId": "S29jQXBwbGljYXRpb246OTk5", "decision": "APPROVE"}}
    )
    assert missing["kocApplicationReview"]["errors"][0]["code"] == "APPLICATION_NOT_FOUND"
    wrong_type = await operator.execute(
        REVIEW, {"input": {"applicationId": member.member_gid, "decision": "APPROVE"}}
    )
    assert wrong_type["kocApplicationReview"]["errors"][0] == {
        "field": "applicationId",
        "code": "INVALID",
        "message": "Expected the ID of a KocApplication.",
    }
    nobody = await operator.execute(
        NOMINATE, {"input": {"memberId": "TWVtYmVyOjk5OTk5", "roles": ["CONTENT"]}}
    )
    assert nobody["kocNominate"]["errors"][0]["code"] == "MEMBER_NOT_FOUND"

    # approving with no role at all is refused and leaves the application pending
    nominated = await operator.execute(
        NOMINATE, {"input": {"memberId": member.member_gid, "roles": ["CONTENT"]}}
    )
    application = nominated["kocNominate"]["application"]["id"]
    empty = await operator.execute(
        REVIEW, {"input": {"applicationId": application, "decision": "APPROVE", "roles": []}}
    )
    assert empty["kocApplicationReview"]["errors"][0]["code"] == "ROLES_REQUIRED"
    assert (await KocApplication.get()).status == "PENDING"
    assert (await KocProfile.get()).status == "CANDIDATE"
