"""A member reads only their own data; staff and members:read partners read everyone, with
phones and unionids masked (tests/privacy covers unmasking and partners' consent)."""

from koc.auth.models import StaffRole
from koc.consent.models import Purpose
from koc.members.models import Member
from tests.conftest import gid
from tests.consent.factories import decide

MEMBER = """query($id: ID!) { member(id: $id) { id nickname phone unionid } }"""
NODE = """query($id: ID!) { node(id: $id) { id ... on Member { nickname phone } } }"""


async def test_member_reads_self_through_member_and_node(member_client):
    me = await member_client(phone="+8613800000001", unionid="u-self")
    data = await me.execute(MEMBER, {"id": me.member_gid})
    assert data["member"]["phone"] == "+8613800000001"
    assert data["member"]["unionid"] is None  # identifiers are for staff
    node = await me.execute(NODE, {"id": me.member_gid})
    assert node["node"]["id"] == me.member_gid


async def test_member_cannot_read_another_member(member_client):
    me = await member_client()
    other = await Member.create(nickname="other", phone="+8613800000002")
    for query in [MEMBER, NODE]:
        response = await me.post(query, {"id": gid("Member", other.id)})
        body = response.json()
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "other" not in response.text and "13800000002" not in response.text


async def test_anonymous_cannot_read_members(anon_client):
    member = await Member.create(nickname="x")
    for query in [MEMBER, NODE]:
        errors = await anon_client.errors(query, {"id": gid("Member", member.id)})
        assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_staff_and_reader_partners_see_masked_identifiers(staff_client, partner_client):
    member = await Member.create(nickname="x", phone="+8613800000003", unionid="union-0003")
    await decide(member.id, Purpose.SHARING)
    for client in [await staff_client(StaffRole.ANALYST), await partner_client(["members:read"])]:
        data = await client.execute(MEMBER, {"id": gid("Member", member.id)})
        assert data["member"] == {
            "id": gid("Member", member.id),
            "nickname": "x",
            "phone": "+86138****0003",
            "unionid": "unio****0003",
        }


async def test_partner_without_members_read_sees_a_masked_phone(partner_client):
    dealer = await partner_client(["orders:write"])
    await decide((await Member.create(phone="+8613812345678")).id, Purpose.SHARING)
    data = await dealer.execute(
        """mutation { orderRecord(input: {externalId: "o-1", member: {phone: "+8613812345678"}, amountCents: 100,
        category: "charger", occurredAt: "2026-01-01T00:00:00Z"}) { order { member { phone unionid } } } }"""
    )
    assert data["orderRecord"]["order"]["member"] == {"phone": "+86138****5678", "unionid": None}
    errors = await dealer.errors(MEMBER, {"id": gid("Member", (await Member.get()).id)})
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_wrong_id_kind_is_bad_input(staff_client):
    staff = await staff_client()
    errors = await staff.errors(MEMBER, {"id": gid("Tag", 1)})
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
