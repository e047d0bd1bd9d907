"""WeCom's add-contact callback: signature and decryption checked, forged, stale and misaddressed
callbacks refused, the arrival recorded once (a replay changes nothing), the member found by
unionid or created, tagged and referred by the code's KOC."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlencode

from koc.auth.models import StaffRole
from koc.livecodes.models import ArrivalSource, LiveCodeArrival, WeComContact
from koc.members.models import Member, MemberTag, Tag, TagFamily, TagGroup
from koc.referrals.models import Referral
from tests.conftest import gid, make_member
from tests.livecodes.helpers import create_code
from tests.livecodes.wecom_sample import add_contact_event, callback_request, encrypt, sign


async def advisor_code(staff, **fields):
    return await create_code(
        staff,
        slug="store-advisors",
        kind="ADVISOR",
        channel="store",
        advisors=[{"wecomUserid": "zhangsan"}],
        **fields,
    )


async def post(http, message: bytes, **options):
    url, body = callback_request(message, **options)
    return await http.post(url, content=body, headers={"Content-Type": "text/xml"})


async def test_the_callback_url_check_echoes_the_decrypted_string(http):
    ts, nonce = str(int(time.time())), "n"
    echo = encrypt(b"echo-12345")
    query = urlencode(
        {"msg_signature": sign(ts, nonce, echo), "timestamp": ts, "nonce": nonce, "echostr": echo}
    )
    answer = await http.get(f"/wecom/callback?{query}")
    assert answer.status_code == 200 and answer.text == "echo-12345"
    forged = query.replace("msg_signature=", "msg_signature=0")
    assert (await http.get(f"/wecom/callback?{forged}")).status_code == 403


async def test_an_add_contact_creates_an_attributed_member_once(
    http, staff_client, member_client, wecom_server
):
    # given a KOC's ADVISOR code that tags arrivals, and WeCom knowing the contact's unionid
    staff = await staff_client(StaffRole.OPERATOR)
    koc = await member_client()
    group = await TagGroup.create(name="Source", family=TagFamily.BEHAVIOR)
    tag = await Tag.create(group_id=group.id, name="Store")
    await advisor_code(staff, ownerMemberId=koc.member_gid, tagIds=[gid("Tag", tag.id)])
    wecom_server.state.contacts["wm-new"] = {"unionid": "union-new", "name": "Li"}
    event = add_contact_event("wm-new", "zhangsan", "lc-store-advisors")
    # when WeCom calls back
    answer = await post(http, event)
    # then a member is created with the unionid, arriving through the code with their advisor
    assert answer.status_code == 200 and answer.text == "success"
    member = await Member.get(unionid="union-new")
    arrival = await LiveCodeArrival.get()
    assert arrival.member_id == member.id and arrival.source is ArrivalSource.WECOM
    assert arrival.member_created and arrival.advisor_userid == "zhangsan"
    assert await MemberTag.filter(member_id=member.id, tag_id=tag.id).exists()
    assert (await Referral.get(referee_id=member.id)).referrer_id == koc.member_id
    assert await WeComContact.filter(external_userid="wm-new", member_id=member.id).exists()
    # when the same callback is replayed (WeCom retries; an attacker replays), nothing changes
    assert (await post(http, event)).status_code == 200
    assert await LiveCodeArrival.all().count() == 1
    assert await Member.filter(unionid="union-new").count() == 1
    assert await MemberTag.filter(member_id=member.id).count() == 1


async def test_a_known_member_is_found_by_unionid(http, staff_client, wecom_server):
    staff = await staff_client(StaffRole.OPERATOR)
    await advisor_code(staff)
    existing = await make_member(unionid="union-old")
    wecom_server.state.contacts["wm-old"] = {"unionid": "union-old"}
    await post(http, add_contact_event("wm-old", "zhangsan", "lc-store-advisors"))
    arrival = await LiveCodeArrival.get()
    assert arrival.member_id == existing.id and not arrival.member_created


async def test_forged_stale_and_misaddressed_callbacks_change_nothing(
    http, staff_client, wecom_server
):
    staff = await staff_client(StaffRole.OPERATOR)
    await advisor_code(staff)
    wecom_server.state.contacts["wm-x"] = {"unionid": "union-x"}
    event = add_contact_event("wm-x", "zhangsan", "lc-store-advisors")
    # a signature that does not match
    url, body = callback_request(event)
    forged = await http.post(url.replace("msg_signature=", "msg_signature=f"), content=body)
    # a genuine callback captured ten minutes ago
    stale = await post(http, event, timestamp=int(time.time()) - 600)
    # a callback for another corp, or encrypted with another key
    other_corp = await post(http, event, corp_id="ww-other")
    other_key = await post(http, event, key="Q" * 43)
    # a body that is no XML, or carries a DTD
    url, _ = callback_request(event)
    garbage = await http.post(url, content=b"<xml><Encrypt>")
    dtd = await http.post(
        url, content=b'<!DOCTYPE x [<!ENTITY a "b">]><xml><Encrypt>&a;</Encrypt></xml>'
    )
    answers = [r.status_code for r in (forged, stale, other_corp, other_key, garbage, dtd)]
    assert answers == [403] * 6
    assert await LiveCodeArrival.all().count() == 0 and await Member.all().count() == 0


async def test_other_states_and_events_are_acknowledged_and_ignored(
    http, staff_client, wecom_server
):
    staff = await staff_client(StaffRole.OPERATOR)
    await create_code(staff)  # a GROUP code: not a contact way's state
    for state in ("", "lc-spring-poster", "lc-no-such", "campaign-7"):
        answer = await post(http, add_contact_event("wm-y", "zhangsan", state))
        assert answer.status_code == 200
    other_event = b"<xml><MsgType>event</MsgType><Event>change_contact</Event></xml>"
    assert (await post(http, other_event)).status_code == 200
    assert await LiveCodeArrival.all().count() == 0 and wecom_server.state.requests == []


async def test_wecom_unreachable_asks_for_a_retry(http, staff_client, wecom_server):
    staff = await staff_client(StaffRole.OPERATOR)
    await advisor_code(staff)
    wecom_server.state.broken = True
    answer = await post(http, add_contact_event("wm-z", "zhangsan", "lc-store-advisors"))
    assert answer.status_code == 503
    wecom_server.state.broken = False
    wecom_server.state.contacts["wm-z"] = {"unionid": "union-z"}
    assert (
        await post(http, add_contact_event("wm-z", "zhangsan", "lc-store-advisors"))
    ).status_code == 200
    assert await LiveCodeArrival.all().count() == 1


async def test_two_deliveries_of_one_callback_at_once_record_one_arrival(
    http, staff_client, wecom_server
):
    staff = await staff_client(StaffRole.OPERATOR)
    await advisor_code(staff)
    wecom_server.state.contacts["wm-twin"] = {"unionid": "union-twin"}
    event = add_contact_event("wm-twin", "zhangsan", "lc-store-advisors")
    answers = await asyncio.gather(post(http, event), post(http, event), post(http, event))
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert await LiveCodeArrival.all().count() == 1
    assert await Member.filter(unionid="union-twin").count() == 1
