"""The advisor fact: members by their owner advisor (1-on-1 service), or those no advisor
serves, and its errors naming their path."""

from __future__ import annotations

from koc.auth.models import StaffRole
from koc.segments.models import Segment
from tests.conftest import gid, make_member
from tests.segments.factories import PREVIEW, SEGMENT_CREATE, create_segment, preview


async def test_members_by_owner_advisor_or_unassigned(staff_client):
    # given two advisors, a member of each, and a member in the pool
    staff = await staff_client(StaffRole.OPERATOR)
    wang, li = await staff_client(StaffRole.ADVISOR), await staff_client(StaffRole.ADVISOR)
    of_wang = await make_member(owner_id=wang.staff_id)
    of_li = await make_member(owner_id=li.staff_id)
    pooled = await make_member()
    wang_id, li_id = gid("StaffUser", wang.staff_id), gid("StaffUser", li.staff_id)
    ids = {m.id: gid("Member", m.id) for m in (of_wang, of_li, pooled)}
    # when staff preview rules over the owner advisor, then each admits whom it says
    assert await preview(staff, {"rule": {"advisor": {"ids": [wang_id]}}}) == {ids[of_wang.id]}
    both = {"advisor": {"ids": [wang_id, li_id]}}
    assert await preview(staff, {"rule": both}) == {ids[of_wang.id], ids[of_li.id]}
    assert await preview(staff, {"rule": {"advisor": {"unassigned": True}}}) == {ids[pooled.id]}
    # and "not with Wang" includes the pooled member (no owner is not Wang)
    not_wang = {"not": {"advisor": {"ids": [wang_id]}}}
    assert await preview(staff, {"rule": not_wang}) == {ids[of_li.id], ids[pooled.id]}
    # and a saved segment shows the advisors as the global IDs it was given
    segment = await create_segment(staff, both, name="Served")
    assert segment["rule"] == {"advisor": {"ids": [wang_id, li_id]}}
    assert segment["memberCount"] == 2


async def test_advisor_fact_errors_name_their_path(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    advisor = await staff_client(StaffRole.ADVISOR)
    analyst = await staff_client(StaffRole.ANALYST)
    cases = [
        # a staff account that is not an advisor, and one that does not exist
        (
            {"advisor": {"ids": [gid("StaffUser", analyst.staff_id)]}},
            "rule.advisor.ids",
            "NOT_FOUND",
        ),
        (
            {"any": [{"advisor": {"ids": [gid("StaffUser", 9999)]}}]},
            "rule.any[0].advisor.ids",
            "NOT_FOUND",
        ),
        # both, neither, and an ID of another kind
        (
            {"advisor": {"ids": [gid("StaffUser", advisor.staff_id)], "unassigned": True}},
            "rule.advisor",
            "INVALID_RULE",
        ),
        ({"advisor": {"unassigned": False}}, "rule.advisor", "INVALID_RULE"),
        ({"advisor": {"ids": [gid("Member", 1)]}}, "rule.advisor.ids", "INVALID"),
    ]
    for rule, field, code in cases:
        data = await staff.execute(SEGMENT_CREATE, {"input": {"name": "Bad", "rule": rule}})
        errors = [(e["field"], e["code"]) for e in data["segmentCreate"]["errors"]]
        assert errors == [(field, code)], rule
    assert await Segment.all().count() == 0
    # and a query's bad advisor rule is a BAD_USER_INPUT error naming the path
    bad = {"advisor": {"ids": [gid("StaffUser", analyst.staff_id)]}}
    errors = await staff.errors(PREVIEW, {"audience": {"rule": bad}})
    assert errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "rule.advisor.ids"}
