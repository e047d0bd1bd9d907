"""New members get an owner by rule on first contact: round-robin among the active advisors
routed to their channel (or region), and a referred friend goes to the referrer's advisor."""

from koc.advisory.models import OwnerChange, OwnerChangeReason
from koc.auth.models import StaffRole, StaffUser
from koc.members.models import Member
from tests.advisory.helpers import ROUTES, record, staff_gid
from tests.conftest import gid
from tests.referrals.helpers import bind, code_of

LOGIN = """mutation($code: String!, $channel: String) { memberLogin(code: $code, channel: $channel) {
  member { id } session { accessToken } errors { code } } }"""


async def _sign_up(anon_client, wechat_server, n: int, channel: str | None) -> int:
    wechat_server.state.login_codes[f"code-{n}"] = (f"openid-{n}", f"unionid-{n}")
    data = await anon_client.execute(LOGIN, {"code": f"code-{n}", "channel": channel})
    return (
        (await Member.get(unionid=f"unionid-{n}")).id if data["memberLogin"]["errors"] == [] else 0
    )


async def test_new_members_of_a_channel_go_round_robin_to_its_active_advisors(
    anon_client, wechat_server, staff_client
):
    operator = await staff_client(StaffRole.OPERATOR)
    ada = await staff_client(StaffRole.ADVISOR, username="ada")
    bob = await staff_client(StaffRole.ADVISOR, username="bob")
    eve = await staff_client(StaffRole.ADVISOR, username="eve")
    for advisor in (ada, bob):
        data = await operator.execute(
            ROUTES, {"input": {"advisorId": staff_gid(advisor), "channels": ["live-stream"]}}
        )
        assert data["advisorRoutesSet"]["errors"] == []
    # eve takes any channel, but only when no route of the channel itself matches
    await operator.execute(ROUTES, {"input": {"advisorId": staff_gid(eve), "regions": []}})
    await operator.execute(ROUTES, {"input": {"advisorId": staff_gid(eve), "channels": ["poster"]}})

    owners = []
    for n in range(4):
        member_id = await _sign_up(anon_client, wechat_server, n, "live-stream")
        owners.append((await Member.get(id=member_id)).owner_id)
    other = await _sign_up(anon_client, wechat_server, 9, "search")

    assert owners == [ada.staff_id, bob.staff_id, ada.staff_id, bob.staff_id]
    assert (await Member.get(id=other)).owner_id is None  # no route for this channel: the pool

    # a disabled advisor gets no more members
    await StaffUser.filter(id=ada.staff_id).update(is_active=False)
    later = [await _sign_up(anon_client, wechat_server, n, "live-stream") for n in (5, 6)]
    assert [(await Member.get(id=m)).owner_id for m in later] == [bob.staff_id, bob.staff_id]


async def test_a_referred_friend_goes_to_the_referrers_advisor(member_client, staff_client):
    ada = await staff_client(StaffRole.ADVISOR)
    bob = await staff_client(StaffRole.ADVISOR)
    referrer = await member_client()
    await Member.filter(id=referrer.member_id).update(owner_id=ada.staff_id)
    friend = await member_client()
    # the friend was given to Bob by round-robin and Bob has not followed up yet
    operator = await staff_client(StaffRole.OPERATOR)
    await Member.filter(id=friend.member_id).update(owner_id=bob.staff_id)
    await OwnerChange.create(
        member_id=friend.member_id, to_staff_id=bob.staff_id, reason=OwnerChangeReason.ROUND_ROBIN
    )

    assert (await bind(friend, await code_of(referrer)))["errors"] == []

    assert (await Member.get(id=friend.member_id)).owner_id == ada.staff_id
    history = await operator.execute(
        "query($id: ID!) { member(id: $id) { ownerHistory(first: 1) { edges { node { reason } } } } }",
        {"id": friend.member_gid},
    )
    assert history["member"]["ownerHistory"]["edges"][0]["node"]["reason"] == "REFERRER"


async def test_a_served_member_keeps_its_advisor_when_referred(member_client, staff_client):
    ada = await staff_client(StaffRole.ADVISOR)
    bob = await staff_client(StaffRole.ADVISOR)
    referrer = await member_client()
    await Member.filter(id=referrer.member_id).update(owner_id=ada.staff_id)
    friend = await member_client()
    await Member.filter(id=friend.member_id).update(owner_id=bob.staff_id)
    assert (await record(bob, friend.member_id))["errors"] == []

    assert (await bind(friend, await code_of(referrer)))["errors"] == []

    assert (await Member.get(id=friend.member_id)).owner_id == bob.staff_id


async def test_routes_name_an_active_advisor(staff_client):
    operator = await staff_client(StaffRole.OPERATOR)
    analyst = await staff_client(StaffRole.ANALYST)
    data = await operator.execute(
        ROUTES, {"input": {"advisorId": staff_gid(analyst), "channels": ["x"]}}
    )
    assert data["advisorRoutesSet"]["errors"] == [
        {"field": "advisorId", "code": "ADVISOR_NOT_FOUND"}
    ]
    long = await operator.execute(
        ROUTES,
        {"input": {"advisorId": gid("StaffUser", analyst.staff_id), "channels": ["c" * 65]}},
    )
    assert long["advisorRoutesSet"]["errors"][0]["field"] == "channels"
