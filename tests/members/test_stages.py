"""Lifecycle stages: the brand's pipeline, staff moves with reasons, automatic moves on orders."""

from koc.audit.models import AuditEntry
from koc.auth.models import StaffRole
from koc.members.models import Member, StageTransition
from tests.conftest import gid

SET = """mutation($i: MemberStageSetInput!) { memberStageSet(input: $i) {
  member { stage { code } } errors { field code message } } }"""
HISTORY = """query($id: ID!) { member(id: $id) { stage { code }
  stageHistory { fromStage { code } toStage { code } reason automatic by } } }"""
ORDER = """mutation($id: String!, $ref: MemberRefInput!) { orderRecord(input: {externalId: $id, member: $ref,
  amountCents: 30000000, category: "vehicle", occurredAt: "2026-03-01T08:00:00Z"}) { errors { code } } }"""


async def test_default_pipeline_is_retail(staff_client):
    staff = await staff_client(StaffRole.ANALYST)
    data = await staff.execute("{ lifecycleStages { code position autoRule } }")
    assert [s["code"] for s in data["lifecycleStages"]] == [
        "STRANGER",
        "POTENTIAL",
        "INTENT",
        "CUSTOMER",
        "REPEAT",
        "SUPER_USER",
    ]
    assert {s["code"]: s["autoRule"] for s in data["lifecycleStages"]}["CUSTOMER"] == "FIRST_ORDER"


async def test_operator_moves_a_member_with_a_reason(staff_client):
    op = await staff_client(StaffRole.OPERATOR)
    member = await Member.create()
    data = await op.execute(
        SET,
        {
            "i": {
                "memberId": gid("Member", member.id),
                "stage": "INTENT",
                "reason": "asked for a quote",
            }
        },
    )
    assert data["memberStageSet"] == {"member": {"stage": {"code": "INTENT"}}, "errors": []}
    history = await op.execute(HISTORY, {"id": gid("Member", member.id)})
    username = (await op.execute("{ staffMe { username } }"))["staffMe"]["username"]
    assert history["member"]["stageHistory"] == [
        {
            "fromStage": None,
            "toStage": {"code": "INTENT"},
            "reason": "asked for a quote",
            "automatic": False,
            "by": username,
        }
    ]
    assert await AuditEntry.filter(action="member.stage_set", object_id=str(member.id)).count() == 1


async def test_stage_set_refusals_write_nothing(staff_client):
    op = await staff_client(StaffRole.OPERATOR)
    member = await Member.create()
    mid = gid("Member", member.id)
    cases = [
        ({"memberId": mid, "stage": "NOPE", "reason": "x"}, "stage", "STAGE_NOT_FOUND"),
        ({"memberId": mid, "stage": "INTENT", "reason": "  "}, "reason", "INVALID"),
        ({"memberId": mid, "stage": "INTENT", "reason": "x" * 501}, "reason", "INVALID"),
        (
            {"memberId": gid("Member", 999), "stage": "INTENT", "reason": "x"},
            "memberId",
            "NOT_FOUND",
        ),
        ({"memberId": gid("Tag", 1), "stage": "INTENT", "reason": "x"}, "memberId", "INVALID"),
    ]
    for payload, field, code in cases:
        data = (await op.execute(SET, {"i": payload}))["memberStageSet"]
        assert [(e["field"], e["code"]) for e in data["errors"]] == [(field, code)]
    await op.execute(SET, {"i": {"memberId": mid, "stage": "INTENT", "reason": "x"}})
    same = (await op.execute(SET, {"i": {"memberId": mid, "stage": "INTENT", "reason": "x"}}))[
        "memberStageSet"
    ]
    assert same["errors"][0]["code"] == "SAME_STAGE"
    assert await StageTransition.filter(member_id=member.id).count() == 1


async def test_analyst_cannot_move_members(staff_client):
    analyst = await staff_client(StaffRole.ANALYST)
    member = await Member.create()
    errors = await analyst.errors(
        SET, {"i": {"memberId": gid("Member", member.id), "stage": "INTENT", "reason": "x"}}
    )
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_first_order_makes_a_customer_and_second_a_repeat_buyer(partner_client, staff_client):
    dealer = await partner_client(["orders:write"])
    member = await Member.create(unionid="u-buyer")
    await dealer.execute(ORDER, {"id": "o-1", "ref": {"unionid": "u-buyer"}})
    assert (await Member.get(id=member.id).prefetch_related("stage")).stage.code == "CUSTOMER"
    await dealer.execute(ORDER, {"id": "o-2", "ref": {"unionid": "u-buyer"}})
    staff = await staff_client()
    history = await staff.execute(HISTORY, {"id": gid("Member", member.id)})
    assert history["member"]["stage"]["code"] == "REPEAT"
    assert [
        (h["toStage"]["code"], h["automatic"], h["reason"])
        for h in history["member"]["stageHistory"]
    ] == [
        ("CUSTOMER", True, "order #1"),
        ("REPEAT", True, "order #2"),
    ]


async def test_orders_never_demote(partner_client, staff_client):
    op = await staff_client(StaffRole.OPERATOR)
    member = await Member.create(unionid="u-koc")
    await op.execute(
        SET, {"i": {"memberId": gid("Member", member.id), "stage": "SUPER_USER", "reason": "KOC"}}
    )
    dealer = await partner_client(["orders:write"])
    await dealer.execute(ORDER, {"id": "o-1", "ref": {"unionid": "u-koc"}})
    assert (await Member.get(id=member.id).prefetch_related("stage")).stage.code == "SUPER_USER"
