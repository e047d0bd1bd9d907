"""Members sign in with the code from wx.login, exchanged with WeChat over real HTTP."""

from koc.members.models import Member, MemberIdentity
from tests.conftest import APPID

LOGIN = """
mutation($code: String!, $channel: String) {
  memberLogin(code: $code, channel: $channel) {
    created
    session { accessToken refreshToken expiresIn }
    member { id nickname sourceChannel }
    errors { field code message }
  }
}"""

ME = "{ me { id sourceChannel } }"


async def test_first_login_creates_member_and_session(anon_client, wechat_server, http):
    # given WeChat knows the code
    wechat_server.state.login_codes["code-1"] = ("openid-1", "unionid-1")
    # when the mini-program logs in
    data = (await anon_client.execute(LOGIN, {"code": "code-1", "channel": "poster"}))[
        "memberLogin"
    ]
    # then a member exists with the identity and the token works on `me`
    assert data["errors"] == []
    assert data["created"] is True
    assert data["session"]["expiresIn"] <= 900
    member = await Member.get(unionid="unionid-1")
    assert member.source_channel == "poster"
    assert await MemberIdentity.exists(member_id=member.id, appid=APPID, openid="openid-1")
    me = await http.post(
        "/graphql",
        json={"query": ME},
        headers={"Authorization": f"Bearer {data['session']['accessToken']}"},
    )
    assert me.json()["data"]["me"]["id"] == data["member"]["id"]
    assert wechat_server.state.requests == ["/sns/jscode2session"]


async def test_second_login_finds_the_same_member(anon_client, wechat_server):
    wechat_server.state.login_codes["a"] = ("openid-2", "unionid-2")
    wechat_server.state.login_codes["b"] = ("openid-2", "unionid-2")
    first = (await anon_client.execute(LOGIN, {"code": "a"}))["memberLogin"]
    second = (await anon_client.execute(LOGIN, {"code": "b"}))["memberLogin"]
    assert second["created"] is False
    assert second["member"]["id"] == first["member"]["id"]
    assert await Member.all().count() == 1


async def test_login_attaches_to_a_prospect_known_by_unionid(anon_client, wechat_server):
    # given a partner reported this person by unionid before they ever opened the mini-program
    prospect = await Member.create(unionid="unionid-3", source_channel="partner")
    wechat_server.state.login_codes["c"] = ("openid-3", "unionid-3")
    data = (await anon_client.execute(LOGIN, {"code": "c"}))["memberLogin"]
    assert data["created"] is False
    assert await MemberIdentity.filter(member_id=prospect.id).count() == 1
    assert await Member.all().count() == 1


async def test_login_without_unionid_records_none(anon_client, wechat_server):
    wechat_server.state.login_codes["d"] = ("openid-4", None)
    data = (await anon_client.execute(LOGIN, {"code": "d"}))["memberLogin"]
    assert data["errors"] == []
    member = await Member.get()
    assert member.unionid is None


async def test_wechat_errors_become_typed_errors(anon_client, wechat_server):
    cases = {
        40029: "INVALID_CODE",
        45011: "WECHAT_RATE_LIMITED",
        40226: "WECHAT_HIGH_RISK_USER",
        61000: "WECHAT_ERROR",
    }
    for errcode, expected in cases.items():
        wechat_server.state.login_codes[f"e{errcode}"] = errcode
        data = (await anon_client.execute(LOGIN, {"code": f"e{errcode}"}))["memberLogin"]
        assert data["session"] is None
        assert [e["code"] for e in data["errors"]] == [expected]
        assert data["errors"][0]["field"] == "code"
    # an unknown code is WeChat's 40029 too
    data = (await anon_client.execute(LOGIN, {"code": "never-issued"}))["memberLogin"]
    assert data["errors"][0]["code"] == "INVALID_CODE"
    assert await Member.all().count() == 0


async def test_wechat_unreachable_is_a_typed_error(anon_client, wechat_server):
    wechat_server.state.broken = True
    data = (await anon_client.execute(LOGIN, {"code": "x"}))["memberLogin"]
    assert data["errors"][0]["code"] == "WECHAT_UNAVAILABLE"
    assert await Member.all().count() == 0


async def test_bad_code_is_refused_before_calling_wechat(anon_client, wechat_server):
    for code in ["", "   ", "x" * 129]:
        data = (await anon_client.execute(LOGIN, {"code": code}))["memberLogin"]
        assert data["errors"][0]["code"] == "INVALID_CODE"
    data = (await anon_client.execute(LOGIN, {"code": "ok", "channel": "c" * 65}))["memberLogin"]
    assert data["errors"][0]["field"] == "channel"
    assert wechat_server.state.requests == []


async def test_session_key_never_leaves_wechat(anon_client, wechat_server, app):
    # The fake answers session_key "c2Vzc2lvbmtleQ=="; it must not be stored or exposed.
    from koc.graphql.schema import schema

    wechat_server.state.login_codes["s"] = ("openid-5", "unionid-5")
    response = await anon_client.post(LOGIN, {"code": "s"})
    assert "c2Vzc2lvbmtleQ" not in response.text
    assert "sessionKey" not in schema.as_str() and "session_key" not in schema.as_str()
    from tortoise.connection import connections

    conn = connections.get("default")
    for table in ["member", "member_identity", "refresh_token"]:
        _, rows = await conn.execute_query(f'SELECT * FROM "{table}"')
        assert all("c2Vzc2lvbmtleQ" not in str(dict(r)) for r in rows)
