"""New people start on the pipeline's first stage, so strangers are a layer staff can target."""

from koc.members.models import Member

LOGIN = """mutation($code: String!) { memberLogin(code: $code) {
  session { accessToken } member { stage { code } } errors { code } } }"""
EVENT = """mutation($i: MemberEventRecordInput!) { memberEventRecord(input: $i) {
  event { member { stage { code } } } errors { field code } } }"""


async def test_a_member_signing_up_starts_on_the_first_stage(anon_client, wechat_server):
    # given the retail pipeline (STRANGER first) and a WeChat user new to the brand
    wechat_server.state.login_codes["new-1"] = ("openid-new-1", "unionid-new-1")
    # when they sign in for the first time
    data = (await anon_client.execute(LOGIN, {"code": "new-1"}))["memberLogin"]
    # then they are a member on the first stage
    assert data["errors"] == []
    assert data["member"]["stage"] == {"code": "STRANGER"}


async def test_a_prospect_a_partner_reports_starts_on_the_first_stage(partner_client):
    # given a CRM allowed to report events
    crm = await partner_client(["events:write", "members:read"])
    # when it reports a store visit of a phone number koc has never seen
    event = {
        "externalId": "visit-1",
        "member": {"phone": "13800000042"},
        "kind": "STORE_VISIT",
        "occurredAt": "2026-05-01T10:00:00+08:00",
    }
    data = (await crm.execute(EVENT, {"i": event}))["memberEventRecord"]
    # then the prospect it creates is on the first stage
    assert data["errors"] == []
    assert data["event"]["member"]["stage"] == {"code": "STRANGER"}
    assert (await Member.get(phone="+8613800000042").prefetch_related("stage")).stage.code == (
        "STRANGER"
    )
