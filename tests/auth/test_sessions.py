"""An access token lives only as long as its login and its account: a reused refresh token ends
the access tokens of that login at once (not at their expiry), and a validly signed token whose
member or staff account is gone or disabled is a 401."""

from koc.auth.models import StaffRole, StaffUser
from koc.members.models import Member
from tests.auth.test_token_refresh import REFRESH, _login

ME = "{ me { id } }"


async def status(http, token: str, query: str = ME) -> int:
    response = await http.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
    )
    if response.status_code == 401:
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    return response.status_code


async def test_reusing_a_refresh_token_ends_the_access_tokens_of_that_login(
    anon_client, wechat_server, http
):
    # given a login whose refresh token was rotated, and a second login of the same member
    first = await _login(anon_client, wechat_server)
    rotated = (await anon_client.execute(REFRESH, {"t": first["refreshToken"]}))["tokenRefresh"]
    second = await _login(anon_client, wechat_server)
    assert await status(http, first["accessToken"]) == 200
    assert await status(http, rotated["session"]["accessToken"]) == 200

    # when the first refresh token is presented again (it was copied)
    reuse = (await anon_client.execute(REFRESH, {"t": first["refreshToken"]}))["tokenRefresh"]
    assert reuse["errors"][0]["code"] == "REFRESH_TOKEN_REUSED"

    # then every access token of that login is refused at once
    assert await status(http, first["accessToken"]) == 401
    assert await status(http, rotated["session"]["accessToken"]) == 401
    # and the other login of the same member goes on
    assert await status(http, second["accessToken"]) == 200


async def test_a_token_whose_member_is_gone_is_401(member_client, http):
    member = await member_client()
    assert await status(http, member.token) == 200
    await Member.filter(id=member.member_id).delete()
    assert await status(http, member.token) == 401


async def test_a_token_whose_staff_account_is_gone_or_disabled_is_401(staff_client, http):
    query = "{ staffMe { username } }"
    disabled, deleted = await staff_client(StaffRole.ANALYST), await staff_client(StaffRole.ADMIN)
    assert await status(http, disabled.token, query) == 200
    await StaffUser.filter(id=disabled.staff_id).update(is_active=False)
    await StaffUser.filter(id=deleted.staff_id).delete()
    assert await status(http, disabled.token, query) == 401
    assert await status(http, deleted.token, query) == 401
