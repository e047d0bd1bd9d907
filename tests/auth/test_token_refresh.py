"""Refresh tokens rotate; reusing a rotated one signs out the whole login."""

from koc.auth.models import RefreshToken

LOGIN = """mutation($code: String!) { memberLogin(code: $code) {
  session { accessToken refreshToken } errors { code } } }"""
REFRESH = """mutation($t: String!) { tokenRefresh(refreshToken: $t) {
  session { accessToken refreshToken expiresIn } errors { field code message } } }"""


async def _login(anon_client, wechat_server) -> dict:
    wechat_server.state.login_codes["r"] = ("openid-r", "unionid-r")
    return (await anon_client.execute(LOGIN, {"code": "r"}))["memberLogin"]["session"]


async def test_refresh_rotates_the_pair(anon_client, wechat_server, http):
    session = await _login(anon_client, wechat_server)
    data = (await anon_client.execute(REFRESH, {"t": session["refreshToken"]}))["tokenRefresh"]
    assert data["errors"] == []
    new = data["session"]
    assert new["refreshToken"] != session["refreshToken"]
    me = await http.post(
        "/graphql",
        json={"query": "{ me { id } }"},
        headers={"Authorization": f"Bearer {new['accessToken']}"},
    )
    assert me.json()["data"]["me"] is not None
    # the stored value is a hash, not the token
    assert not await RefreshToken.exists(token_hash=new["refreshToken"])


async def test_reusing_a_rotated_token_revokes_the_family(anon_client, wechat_server):
    session = await _login(anon_client, wechat_server)
    rotated = (await anon_client.execute(REFRESH, {"t": session["refreshToken"]}))["tokenRefresh"][
        "session"
    ]
    # when the old token is presented again (it was copied)
    reuse = (await anon_client.execute(REFRESH, {"t": session["refreshToken"]}))["tokenRefresh"]
    assert reuse["session"] is None
    assert reuse["errors"][0]["code"] == "REFRESH_TOKEN_REUSED"
    # then the legitimate newer token is dead too
    after = (await anon_client.execute(REFRESH, {"t": rotated["refreshToken"]}))["tokenRefresh"]
    assert after["errors"][0]["code"] == "INVALID_REFRESH_TOKEN"
    assert await RefreshToken.filter(revoked_at=None).count() == 0


async def test_unknown_refresh_token_is_refused(anon_client):
    data = (await anon_client.execute(REFRESH, {"t": "koc_rt_made-up"}))["tokenRefresh"]
    assert data["errors"] == [
        {
            "field": "refreshToken",
            "code": "INVALID_REFRESH_TOKEN",
            "message": "Refresh token is invalid or expired.",
        }
    ]


async def test_staff_refresh_keeps_the_staff_audience(anon_client, http):
    from koc.auth.models import StaffRole
    from koc.auth.services import create_staff

    await create_staff("carol", "correct horse battery", StaffRole.OPERATOR)
    login = await anon_client.execute(
        """mutation { staffLogin(username: "carol", password: "correct horse battery") {
        session { refreshToken } } }"""
    )
    data = (
        await anon_client.execute(REFRESH, {"t": login["staffLogin"]["session"]["refreshToken"]})
    )["tokenRefresh"]
    token = data["session"]["accessToken"]
    me = await http.post(
        "/graphql",
        json={"query": "{ staffMe { username role } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert me.json()["data"]["staffMe"] == {"username": "carol", "role": "OPERATOR"}
