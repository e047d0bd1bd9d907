"""A rejection carries a reason the member sees; the member may apply again after a cooldown."""

from datetime import timedelta

from koc.auth.models import StaffRole
from koc.creators.models import KocApplication
from tests.creators.factories import apply, review

ME = "{ me { koc { status } kocApplication { status rejectionReason canReapplyAt } } }"


async def test_rejection_with_reason_then_cooldown(member_client, staff_client, settings):
    # given a pending application
    member = await member_client()
    operator = await staff_client(StaffRole.OPERATOR)
    applied = await apply(member, ["CONTENT"])

    # when an operator rejects it without a reason, nothing changes
    missing = await review(operator, applied["application"]["id"], decision="REJECT", reason=" ")
    assert missing["errors"] == [
        {"field": "reason", "code": "INVALID", "message": "Give a reason of 1-500 characters."}
    ]
    assert (await member.execute(ME))["me"]["kocApplication"]["status"] == "PENDING"

    # when the operator rejects it with a reason
    rejected = await review(
        operator,
        applied["application"]["id"],
        decision="REJECT",
        reason="Post a few more reviews first.",
    )
    assert rejected["application"]["status"] == "REJECTED"
    assert rejected["koc"]["status"] == "CANDIDATE"

    # then the member sees the outcome, the reason and when they may apply again
    me = (await member.execute(ME))["me"]
    assert me["kocApplication"]["status"] == "REJECTED"
    assert me["kocApplication"]["rejectionReason"] == "Post a few more reviews first."
    assert me["kocApplication"]["canReapplyAt"] is not None

    # and applying again within the cooldown is refused
    again = await apply(member, ["CONTENT"])
    assert again["application"] is None
    assert again["errors"][0]["code"] == "COOLDOWN"
    assert await KocApplication.filter(member_id=member.member_id).count() == 1

    # and reviewing the same application twice is refused
    twice = await review(operator, applied["application"]["id"], decision="APPROVE")
    assert twice["errors"][0]["code"] == "ALREADY_REVIEWED"

    # when the cooldown has passed
    days = settings.koc_reapply_cooldown_days
    row = await KocApplication.get(member_id=member.member_id)
    row.reviewed_at = row.reviewed_at - timedelta(days=days, minutes=1)
    await row.save()

    # then the member may apply again
    third = await apply(member, ["CONTENT"])
    assert third["errors"] == []
    assert (await member.execute(ME))["me"]["kocApplication"]["status"] == "PENDING"


async def test_one_open_application_per_member(member_client):
    member = await member_client()
    assert (await apply(member, ["CONTENT"]))["errors"] == []
    second = await apply(member, ["EXPERIENCE"])
    assert second["errors"][0]["code"] == "APPLICATION_OPEN"
    assert await KocApplication.filter(member_id=member.member_id).count() == 1
