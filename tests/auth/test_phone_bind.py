"""A member binds the phone number WeChat's getPhoneNumber button gives."""

from koc.members.models import Member, MemberTag, Tag, TagFamily, TagGroup, TagSource
from koc.orders.models import Order

TOKEN, PHONE = "/cgi-bin/token", "/wxa/business/getuserphonenumber"
BIND = """mutation($code: String!) { memberPhoneBind(code: $code) {
  member { id phone } errors { field code message } } }"""


async def test_bind_stores_the_number_in_e164(member_client, wechat_server):
    client = await member_client()
    wechat_server.state.phone_codes["p1"] = "13812345678"
    data = (await client.execute(BIND, {"code": "p1"}))["memberPhoneBind"]
    assert data["errors"] == []
    assert data["member"]["phone"] == "+8613812345678"
    assert (await Member.get(id=client.member_id)).phone == "+8613812345678"
    # the number was asked for with an app access token fetched once. The app's client lives
    # for the whole session and the fake server forgets its tokens before each test, so the
    # client starts with no token or with one WeChat no longer accepts: one fetch either way.
    assert wechat_server.state.requests.count(TOKEN) == 1
    assert wechat_server.state.requests[-2:] == [TOKEN, PHONE]


async def test_access_token_is_cached_between_binds(member_client, wechat_server):
    a, b = await member_client(), await member_client()
    wechat_server.state.phone_codes.update({"p2": "13900000001", "p3": "13900000002"})
    await a.execute(BIND, {"code": "p2"})
    asked = len(wechat_server.state.requests)
    await b.execute(BIND, {"code": "p3"})
    # the second bind reused the token the first one left: one request, no token fetch
    assert wechat_server.state.requests[asked:] == [PHONE]


async def test_a_token_wechat_no_longer_accepts_is_fetched_again_once(member_client, wechat_server):
    a, b = await member_client(), await member_client()
    wechat_server.state.phone_codes.update({"p6": "13900000006", "p7": "13900000007"})
    await a.execute(BIND, {"code": "p6"})
    # WeChat forgets the token (it expired early, or another server fetched a new one)
    wechat_server.state.access_tokens.clear()
    asked = len(wechat_server.state.requests)
    data = (await b.execute(BIND, {"code": "p7"}))["memberPhoneBind"]
    assert data["errors"] == [] and data["member"]["phone"] == "+8613900000007"
    assert wechat_server.state.requests[asked:] == [PHONE, TOKEN, PHONE]


async def test_invalid_phone_code_is_typed(member_client, wechat_server):
    client = await member_client()
    data = (await client.execute(BIND, {"code": "nope"}))["memberPhoneBind"]
    assert data["errors"][0]["code"] == "INVALID_CODE"
    assert (await Member.get(id=client.member_id)).phone is None


async def test_number_of_another_signed_in_member_is_refused(member_client, wechat_server):
    from koc.members.models import MemberIdentity

    owner = await Member.create(phone="+8613700000000")
    await MemberIdentity.create(member_id=owner.id, appid="wx", openid="o-owner")
    client = await member_client()
    wechat_server.state.phone_codes["p4"] = "13700000000"
    data = (await client.execute(BIND, {"code": "p4"}))["memberPhoneBind"]
    assert data["errors"][0]["code"] == "PHONE_IN_USE"
    assert (await Member.get(id=client.member_id)).phone is None


async def test_prospect_with_the_same_phone_is_merged(member_client, wechat_server, partner_client):
    # given a dealer reported an order by phone before the person logged in
    dealer = await partner_client(["orders:write"])
    await dealer.execute(
        """mutation { orderRecord(input: {externalId: "o-1", member: {phone: "13600000000"},
        amountCents: 100, category: "charger", occurredAt: "2026-01-01T00:00:00Z"}) { errors { code } } }"""
    )
    prospect = await Member.get(phone="+8613600000000")
    group = await TagGroup.create(name="Region", family=TagFamily.SOCIAL)
    tag = await Tag.create(group_id=group.id, name="Shanghai")
    await MemberTag.create(member_id=prospect.id, tag_id=tag.id, source=TagSource.MANUAL)
    client = await member_client()
    # when the member binds that phone
    wechat_server.state.phone_codes["p5"] = "13600000000"
    data = (await client.execute(BIND, {"code": "p5"}))["memberPhoneBind"]
    # then the prospect's history is theirs and the prospect is gone
    assert data["errors"] == []
    assert not await Member.exists(id=prospect.id)
    assert await Order.filter(member_id=client.member_id).count() == 1
    assert await MemberTag.filter(member_id=client.member_id).count() == 1
    member = await Member.get(id=client.member_id)
    assert member.order_count == 1 and member.phone == "+8613600000000"


async def test_phone_bind_requires_a_member(anon_client, staff_client):
    errors = await anon_client.errors(BIND, {"code": "x"})
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    staff = await staff_client()
    errors = await staff.errors(BIND, {"code": "x"})
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
