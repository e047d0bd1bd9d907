"""Each member has at most one owner advisor: staff assign by hand or over a filter, advisors
claim from the pool, idle members go back to the pool, and a handover moves members with their
open next actions. Every change of owner is kept: from, to, who, why, when."""

from datetime import UTC, datetime, timedelta

from koc.advisory.models import FollowUp
from koc.advisory.ownership import return_idle_to_pool
from koc.auth.models import StaffRole
from koc.members.models import Member
from tests.advisory.helpers import (
    CLAIM,
    HANDOVER,
    OWNER_SET,
    QUEUE,
    history,
    record,
    staff_gid,
)
from tests.conftest import gid, make_member


async def test_assign_by_filter_then_release_keeps_every_change(staff_client):
    operator = await staff_client(StaffRole.OPERATOR, username="olga")
    ada = await staff_client(StaffRole.ADVISOR, username="ada")
    shanghai = [await make_member(region="Shanghai") for _ in range(3)]
    other = await make_member(region="Beijing")
    await Member.filter(id__in=[m.id for m in shanghai]).update(nickname="sh")

    data = await operator.execute(
        OWNER_SET,
        {"input": {"advisorId": staff_gid(ada), "filter": {"search": "sh"}, "note": "launch"}},
    )
    assert data["memberOwnerSet"] == {"matchedCount": 3, "changedCount": 3, "errors": []}
    assert await Member.filter(owner_id=ada.staff_id).count() == 3
    assert (await Member.get(id=other.id)).owner_id is None

    # giving them again changes nothing; releasing one puts it back in the pool
    again = await operator.execute(
        OWNER_SET, {"input": {"advisorId": staff_gid(ada), "filter": {"search": "sh"}}}
    )
    assert again["memberOwnerSet"]["changedCount"] == 0
    released = await operator.execute(
        OWNER_SET,
        {"input": {"advisorId": None, "memberIds": [gid("Member", shanghai[0].id)]}},
    )
    assert released["memberOwnerSet"]["changedCount"] == 1

    member = await history(operator, shanghai[0].id)
    assert member["owner"] is None
    assert [e["node"] for e in member["ownerHistory"]["edges"]] == [
        {
            "reason": "RELEASE",
            "fromAdvisor": "ada",
            "toAdvisor": None,
            "by": "olga",
            "note": "",
            "followUpsMoved": 0,
        },
        {
            "reason": "ASSIGN",
            "fromAdvisor": None,
            "toAdvisor": "ada",
            "by": "olga",
            "note": "launch",
            "followUpsMoved": 0,
        },
    ]


async def test_only_an_active_advisor_can_own_members(staff_client):
    operator = await staff_client(StaffRole.OPERATOR)
    analyst = await staff_client(StaffRole.ANALYST)
    member = await make_member()
    data = await operator.execute(
        OWNER_SET,
        {"input": {"advisorId": staff_gid(analyst), "memberIds": [gid("Member", member.id)]}},
    )
    assert data["memberOwnerSet"]["errors"] == [{"field": "advisorId", "code": "ADVISOR_NOT_FOUND"}]
    assert (await Member.get(id=member.id)).owner_id is None


async def test_an_advisor_claims_from_the_pool_once(staff_client):
    ada = await staff_client(StaffRole.ADVISOR, username="ada")
    bob = await staff_client(StaffRole.ADVISOR, username="bob")
    lead = await make_member()
    # the pool lists the lead for both
    pool = "{ memberPool(first: 10) { totalCount edges { node { id } } } }"
    assert (await bob.execute(pool))["memberPool"]["totalCount"] == 1

    first = await ada.execute(CLAIM, {"id": gid("Member", lead.id)})
    assert first["memberClaim"] == {
        "member": {"id": gid("Member", lead.id), "owner": {"username": "ada"}},
        "errors": [],
    }
    second = await bob.execute(CLAIM, {"id": gid("Member", lead.id)})
    assert second["memberClaim"]["errors"] == [{"field": "memberId", "code": "NOT_IN_POOL"}]
    assert (await bob.execute(pool))["memberPool"]["totalCount"] == 0
    assert (await history(ada, lead.id))["ownerHistory"]["edges"][0]["node"]["reason"] == "CLAIM"


async def test_members_without_a_follow_up_for_n_days_return_to_the_pool(staff_client):
    ada = await staff_client(StaffRole.ADVISOR)
    now = datetime.now(UTC)
    long_ago = now - timedelta(days=20)
    idle = await make_member(owner_id=ada.staff_id, owned_at=long_ago)
    served = await make_member(owner_id=ada.staff_id, owned_at=long_ago)
    fresh = await make_member(owner_id=ada.staff_id, owned_at=now - timedelta(days=2))
    await record(ada, served.id)

    returned = await return_idle_to_pool(14)

    assert returned == 1
    owners = dict(
        await Member.filter(id__in=[idle.id, served.id, fresh.id]).values_list("id", "owner_id")
    )
    assert owners == {idle.id: None, served.id: ada.staff_id, fresh.id: ada.staff_id}
    operator = await staff_client(StaffRole.OPERATOR)
    change = (await history(operator, idle.id))["ownerHistory"]["edges"][0]["node"]
    assert (change["reason"], change["by"]) == ("POOL_TIMEOUT", None)
    # run again: nothing more to return
    assert await return_idle_to_pool(14) == 0


async def test_bulk_handover_moves_members_and_their_open_next_actions(staff_client):
    operator = await staff_client(StaffRole.OPERATOR, username="olga")
    ada = await staff_client(StaffRole.ADVISOR, username="ada")
    bob = await staff_client(StaffRole.ADVISOR, username="bob")
    members = [await make_member(owner_id=ada.staff_id) for _ in range(3)]
    due = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    for m in members:
        assert (await record(ada, m.id, nextAction="send the quote", nextActionDueAt=due))[
            "errors"
        ] == []
    # one of them also has a done follow-up, which stays Ada's
    await record(ada, members[0].id, closeOpen=False)
    assert (await ada.execute(QUEUE))["advisorQueue"]["due"]["totalCount"] == 3

    data = await operator.execute(
        HANDOVER,
        {
            "input": {
                "fromAdvisorId": staff_gid(ada),
                "toAdvisorId": staff_gid(bob),
                "note": "Ada left",
            }
        },
    )

    assert data["advisorHandover"] == {"movedCount": 3, "errors": []}
    assert await Member.filter(owner_id=bob.staff_id).count() == 3
    assert await FollowUp.filter(advisor_id=bob.staff_id, closed_at=None).count() == 3
    assert await FollowUp.filter(advisor_id=ada.staff_id).count() == 1  # the closed one
    assert (await ada.execute(QUEUE))["advisorQueue"]["due"]["totalCount"] == 0
    bob_queue = (await bob.execute(QUEUE))["advisorQueue"]["due"]
    assert {e["node"]["member"]["id"] for e in bob_queue["edges"]} == {
        gid("Member", m.id) for m in members
    }
    change = (await history(operator, members[0].id))["ownerHistory"]["edges"][0]["node"]
    assert change == {
        "reason": "HANDOVER",
        "fromAdvisor": "ada",
        "toAdvisor": "bob",
        "by": "olga",
        "note": "Ada left",
        "followUpsMoved": 1,
    }
    # and Ada no longer reads them
    errors = await ada.errors(
        "query($id: ID!) { member(id: $id) { id } }", {"id": gid("Member", members[0].id)}
    )
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_handover_of_named_members_refuses_members_of_someone_else(staff_client):
    operator = await staff_client(StaffRole.OPERATOR)
    ada = await staff_client(StaffRole.ADVISOR)
    bob = await staff_client(StaffRole.ADVISOR)
    mine = await make_member(owner_id=ada.staff_id)
    pool = await make_member()
    data = await operator.execute(
        HANDOVER,
        {
            "input": {
                "fromAdvisorId": staff_gid(ada),
                "toAdvisorId": staff_gid(bob),
                "memberIds": [gid("Member", mine.id), gid("Member", pool.id)],
            }
        },
    )
    assert data["advisorHandover"]["errors"] == [
        {"field": "memberIds", "code": "NOT_OWNED_BY_FROM"}
    ]
    assert (await Member.get(id=mine.id)).owner_id == ada.staff_id
