"""A member whose first login carries a live code's scene arrived through it: the arrival is
recorded once, the code's tags are added, and a KOC's code binds the referral."""

from __future__ import annotations

from koc.auth.models import StaffRole
from koc.livecodes.models import ArrivalSource, LiveCodeArrival
from koc.members.models import MemberTag, Tag, TagFamily, TagGroup
from koc.referrals.models import Referral
from tests.conftest import GraphQLClient, gid
from tests.livecodes.helpers import create_code

LOGIN = """mutation($code: String!, $channel: String) {
  memberLogin(code: $code, channel: $channel) { member { id } created errors { code } } }"""


async def login(http, wechat_server, code: str, openid: str, channel: str | None) -> dict:
    wechat_server.state.login_codes[code] = (openid, f"union-{openid}")
    data = await GraphQLClient(http).execute(LOGIN, {"code": code, "channel": channel})
    assert data["memberLogin"]["errors"] == []
    return data["memberLogin"]


async def test_a_first_login_through_a_kocs_code_is_an_attributed_arrival(
    http, wechat_server, staff_client, member_client
):
    # given a KOC's poster code that tags arrivals
    staff = await staff_client(StaffRole.OPERATOR)
    koc = await member_client()
    group = await TagGroup.create(name="Source", family=TagFamily.BEHAVIOR)
    tag = await Tag.create(group_id=group.id, name="Spring poster")
    await create_code(staff, ownerMemberId=koc.member_gid, tagIds=[gid("Tag", tag.id)])
    # when a new person opens the mini-program from it and logs in
    first = await login(http, wechat_server, "c1", "o-new", "lc-spring-poster")
    assert first["created"] is True
    # then their arrival is recorded, tagged and referred by the KOC
    arrival = await LiveCodeArrival.get()
    assert arrival.source is ArrivalSource.LOGIN and arrival.member_created
    assert arrival.referral_bound
    assert await MemberTag.filter(member_id=arrival.member_id, tag_id=tag.id).exists()
    referral = await Referral.get(referee_id=arrival.member_id)
    assert referral.referrer_id == koc.member_id
    # when they log in again through the same code, nothing changes
    again = await login(http, wechat_server, "c2", "o-new", "lc-spring-poster")
    assert again["created"] is False
    assert await LiveCodeArrival.all().count() == 1


async def test_a_returning_member_arriving_through_a_code_counts_without_a_new_member(
    http, wechat_server, staff_client
):
    staff = await staff_client(StaffRole.OPERATOR)
    await create_code(staff)
    await login(http, wechat_server, "c1", "o-old", None)
    await login(http, wechat_server, "c2", "o-old", "lc-spring-poster")
    arrival = await LiveCodeArrival.get()
    assert arrival.member_created is False and arrival.referral_bound is False


async def test_other_channels_and_retired_codes_are_no_arrival(http, wechat_server, staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    await staff.execute(
        """mutation { liveCodeCreate(input: {slug: "old-poster", name: "Old", kind: GROUP,
        channel: "poster"}) { liveCode { id } } }"""
    )
    codes = await staff.execute("{ liveCodes { edges { node { id slug } } } }")
    old = next(
        e["node"]["id"] for e in codes["liveCodes"]["edges"] if e["node"]["slug"] == "old-poster"
    )
    await staff.execute(
        "mutation($id: ID!) { liveCodeUpdate(input: {id: $id, active: false}) { errors { code } } }",
        {"id": old},
    )
    for n, channel in enumerate(["poster-2026", "lc-no-such-code", "lc-old-poster", "lc-"]):
        await login(http, wechat_server, f"c{n}", f"o{n}", channel)
    assert await LiveCodeArrival.all().count() == 0
