"""Advisors record each contact with the sales step it served and the next action; the queue
shows what is due and the leads never contacted; a follow-up can move the member's stage and
counts as engagement in KOC discovery."""

from datetime import UTC, datetime, timedelta

from koc.advisory.followups import remind_due
from koc.advisory.models import FollowUp
from koc.auth.models import StaffRole
from koc.creators.models import MemberSignals
from koc.events.models import OutboxEvent
from koc.members.models import Member
from tests.advisory.helpers import QUEUE, record, staff_gid
from tests.conftest import gid, make_member

CLOSE = (
    """mutation($id: ID!) { followUpClose(id: $id) { followUp { closedAt } errors { code } } }"""
)


def _in(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


async def test_a_contact_with_a_next_action_lands_in_the_queue_until_done(staff_client):
    ada = await staff_client(StaffRole.ADVISOR, username="ada")
    lead, quiet = await make_member(owner_id=ada.staff_id), await make_member(owner_id=ada.staff_id)
    queue = (await ada.execute(QUEUE))["advisorQueue"]
    assert queue["newLeads"]["totalCount"] == 2 and queue["due"]["totalCount"] == 0

    late = await record(
        ada,
        lead.id,
        step="VALUE_ICEBREAKING",
        nextAction="send the brochure",
        nextActionDueAt=_in(-1),
    )
    assert late["errors"] == []
    assert late["followUp"]["advisor"] == "ada" and late["followUp"]["overdue"] is True
    queue = (await ada.execute(QUEUE))["advisorQueue"]
    assert [e["node"]["id"] for e in queue["newLeads"]["edges"]] == [gid("Member", quiet.id)]
    assert [e["node"]["nextAction"] for e in queue["due"]["edges"]] == ["send the brochure"]

    # a next action due in three days is not due within the day, but is within the week
    await record(ada, quiet.id, nextAction="book a test drive", nextActionDueAt=_in(72))
    assert (await ada.execute(QUEUE))["advisorQueue"]["due"]["totalCount"] == 1
    week = (await ada.execute(QUEUE, {"hours": 168}))["advisorQueue"]["due"]
    assert [e["node"]["nextAction"] for e in week["edges"]] == [
        "send the brochure",
        "book a test drive",
    ]

    done = await ada.execute(CLOSE, {"id": late["followUp"]["id"]})
    assert done["followUpClose"]["followUp"]["closedAt"] is not None
    assert (await ada.execute(QUEUE))["advisorQueue"]["due"]["totalCount"] == 0


async def test_a_new_contact_closes_the_members_open_actions(staff_client):
    ada = await staff_client(StaffRole.ADVISOR)
    lead = await make_member(owner_id=ada.staff_id)
    await record(ada, lead.id, nextAction="call back", nextActionDueAt=_in(1))
    await record(ada, lead.id, step="SOLUTION")
    assert await FollowUp.filter(member_id=lead.id, closed_at=None).count() == 0


async def test_a_test_drive_moves_the_lead_and_counts_as_engagement(staff_client):
    ada = await staff_client(StaffRole.ADVISOR)
    lead = await make_member(owner_id=ada.staff_id)
    data = await record(ada, lead.id, channel="TEST_DRIVE", step="SOLUTION", stage="INTENT")
    assert data["errors"] == []
    member = await Member.get(id=lead.id).prefetch_related("stage")
    assert member.stage.code == "INTENT"
    history = await ada.execute(
        "query($id: ID!) { member(id: $id) { stageHistory { reason by } } }",
        {"id": gid("Member", lead.id)},
    )
    assert history["member"]["stageHistory"][-1]["reason"] == "follow-up: test drive"
    signals = await MemberSignals.get(member_id=lead.id)
    assert signals.last_active_at is not None

    unknown = await record(ada, lead.id, stage="NO_SUCH_STAGE")
    assert unknown["errors"] == [
        {"field": "stage", "code": "STAGE_NOT_FOUND", "message": "No stage 'NO_SUCH_STAGE'."}
    ]


async def test_bad_follow_ups_are_refused_and_write_nothing(staff_client):
    ada = await staff_client(StaffRole.ADVISOR)
    lead = await make_member(owner_id=ada.staff_id)
    cases = [
        ({"nextAction": "call"}, "nextActionDueAt"),
        ({"nextActionDueAt": _in(2)}, "nextAction"),
        ({"nextAction": "call", "nextActionDueAt": _in(24 * 400)}, "nextActionDueAt"),
        ({"note": "x" * 2001}, "note"),
    ]
    for fields, field in cases:
        data = await record(ada, lead.id, **fields)
        assert [e["field"] for e in data["errors"]] == [field], fields
    assert await FollowUp.all().count() == 0


async def test_an_advisor_follows_up_only_its_members_and_reads_only_its_queue(staff_client):
    ada = await staff_client(StaffRole.ADVISOR)
    bob = await staff_client(StaffRole.ADVISOR)
    theirs = await make_member(owner_id=bob.staff_id)
    errors = await ada.errors(
        """mutation($id: ID!) { followUpRecord(input: {memberId: $id, channel: PHONE,
        step: SOLUTION}) { errors { code } } }""",
        {"id": gid("Member", theirs.id)},
    )
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert await FollowUp.all().count() == 0
    errors = await ada.errors(QUEUE, {"advisor": staff_gid(bob)})
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    # control: an analyst reads Bob's queue by naming him
    analyst = await staff_client(StaffRole.ANALYST)
    queue = (await analyst.execute(QUEUE, {"advisor": staff_gid(bob)}))["advisorQueue"]
    assert queue["newLeads"]["totalCount"] == 1


async def test_a_due_next_action_publishes_followup_due_once(staff_client):
    ada = await staff_client(StaffRole.ADVISOR)
    lead = await make_member(owner_id=ada.staff_id)
    later = await make_member(owner_id=ada.staff_id)
    due = await record(ada, lead.id, nextAction="call back", nextActionDueAt=_in(-0.5))
    await record(ada, later.id, nextAction="visit", nextActionDueAt=_in(5))

    assert await remind_due() == 1
    assert await remind_due() == 0  # once per action

    [event] = await OutboxEvent.filter(type="followup.due")
    assert event.data["followUp"]["id"] == due["followUp"]["id"]
    assert event.data["member"] == {"$member": lead.id}
    # the later action is reminded when its time comes
    assert await remind_due(now=datetime.now(UTC) + timedelta(hours=6)) == 1
