"""A privilege's audience is a rule of the segment language or a saved segment: grants follow
any fact a rule reads (not only tags, stages, roles and badges), a saved segment's new rule
re-evaluates the grants, and a segment a privilege uses cannot be deleted."""

from koc.auth.models import StaffRole
from koc.worker import run_pending_jobs
from tests.badges.factories import record_event, record_order
from tests.privileges.factories import (
    create_privilege,
    job_summary,
    my_codes,
    update_privilege,
)
from tests.segments.factories import SEGMENT_UPDATE, create_segment

SEGMENT_DELETE = "mutation($id: ID!) { segmentDelete(id: $id) { errors { field code } } }"


async def test_grants_follow_orders_and_events_a_rule_reads(
    staff_client, member_client, partner_client
):
    # given a privilege for members who bought twice, and one for members who test-drove
    staff = await staff_client(StaffRole.OPERATOR)
    await create_privilege(
        staff, code="LOYAL_GIFT", audience={"rule": {"orders": {"countAtLeast": 2}}}
    )
    await create_privilege(
        staff, code="DRIVE_DAY", audience={"rule": {"events": {"kind": "TEST_DRIVE"}}}
    )
    partner = await partner_client(["orders:write", "events:write"])
    buyer = await member_client()

    # when the first order arrives, then nothing; when the second arrives, the gift is granted
    await record_order(partner, buyer.member_gid)
    assert await my_codes(buyer) == []
    await record_order(partner, buyer.member_gid)
    assert await my_codes(buyer) == ["LOYAL_GIFT"]

    # and a test drive grants the other one
    await record_event(partner, buyer.member_gid, "TEST_DRIVE")
    assert await my_codes(buyer) == ["DRIVE_DAY", "LOYAL_GIFT"]


async def test_a_saved_segment_as_audience(staff_client, member_client, partner_client):
    # given a segment of buyers and a privilege for it, with one buyer and one stranger
    staff = await staff_client(StaffRole.OPERATOR)
    partner = await partner_client(["orders:write"])
    buyer, stranger = await member_client(), await member_client()
    await record_order(partner, buyer.member_gid)
    segment = await create_segment(staff, {"orders": {}}, name="Buyers")
    payload = await create_privilege(
        staff, code="OWNERS_CLUB", audience={"segmentId": segment["id"]}
    )

    # then the buyer holds it, and staff see the segment as its audience
    assert (
        await job_summary(staff, payload) == "Granted OWNERS_CLUB to 1 members, withdrew it from 0"
    )
    assert payload["privilege"]["audience"] == {"rule": None, "segment": {"id": segment["id"]}}
    assert await my_codes(buyer) == ["OWNERS_CLUB"]
    assert await my_codes(stranger) == []

    # when the segment's rule changes, the grants follow (a refresh job is queued)
    changed = await staff.execute(
        SEGMENT_UPDATE,
        {"input": {"id": segment["id"], "rule": {"not": {"orders": {}}}}},
    )
    assert changed["segmentUpdate"]["errors"] == []
    await run_pending_jobs()
    assert await my_codes(buyer) == []
    assert await my_codes(stranger) == ["OWNERS_CLUB"]

    # and the segment cannot be deleted while the privilege uses it
    refused = await staff.execute(SEGMENT_DELETE, {"id": segment["id"]})
    assert refused["segmentDelete"]["errors"] == [{"field": "id", "code": "IN_USE"}]

    # until the privilege is for staff grants only
    await update_privilege(staff, id=payload["privilege"]["id"], audience=None)
    assert await my_codes(stranger) == []
    deleted = await staff.execute(SEGMENT_DELETE, {"id": segment["id"]})
    assert deleted["segmentDelete"]["errors"] == []


async def test_members_do_not_see_the_audience(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    await create_privilege(staff, code="SHOWN", audience={"rule": {"stage": {"in": ["CUSTOMER"]}}})
    member = await member_client()
    data = await member.execute(
        "{ privileges(first: 5) { edges { node { code audience { rule } } } } }"
    )
    assert data["privileges"]["edges"] == [{"node": {"code": "SHOWN", "audience": None}}]
