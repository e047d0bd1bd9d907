"""An ADMIN manages staff accounts after creating them: disabling ends every session at once,
a role change applies from the next request, a password reset signs the account out; staff
change their own password. Each change is in the audit log."""

from koc.audit.models import AuditEntry
from koc.auth.models import StaffRole
from koc.auth.services import create_staff
from tests.conftest import gid

LOGIN = """mutation($u: String!, $p: String!) { staffLogin(username: $u, password: $p) {
  session { accessToken refreshToken } errors { code } } }"""
REFRESH = """mutation($t: String!) { tokenRefresh(refreshToken: $t) {
  session { accessToken } errors { code } } }"""
DISABLE = """mutation($id: ID!) { staffDisable(id: $id) {
  staff { isActive } errors { field code } } }"""
ENABLE = """mutation($id: ID!) { staffEnable(id: $id) { staff { isActive } errors { code } } }"""
ROLE = """mutation($id: ID!, $role: StaffRole!) { staffRoleSet(id: $id, role: $role) {
  staff { role } errors { field code } } }"""
RESET = """mutation($input: StaffPasswordResetInput!) { staffPasswordReset(input: $input) {
  staff { username } errors { field code } } }"""
CHANGE = """mutation($input: StaffPasswordChangeInput!) { staffPasswordChange(input: $input) {
  staff { username } errors { field code } } }"""
ME = "{ staffMe { username role } }"


async def _sign_in(anon_client, username: str, password: str) -> dict:
    data = await anon_client.execute(LOGIN, {"u": username, "p": password})
    assert data["staffLogin"]["errors"] == [], data
    return data["staffLogin"]["session"]


async def _status(http, token: str) -> int:
    response = await http.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code


async def test_disabling_ends_every_session_at_once_and_enabling_lets_the_password_in(
    anon_client, staff_client, http
):
    # given an operator signed in twice
    await create_staff("olga", "olga-password-1", StaffRole.OPERATOR)
    first = await _sign_in(anon_client, "olga", "olga-password-1")
    second = await _sign_in(anon_client, "olga", "olga-password-1")
    admin = await staff_client(StaffRole.ADMIN)
    olga = (await admin.execute("{ staffUsers { id username } }"))["staffUsers"]
    olga_id = next(s["id"] for s in olga if s["username"] == "olga")

    # when an admin disables the account
    data = await admin.execute(DISABLE, {"id": olga_id})
    assert data["staffDisable"] == {"staff": {"isActive": False}, "errors": []}

    # then both access tokens are refused now, the refresh tokens too, and no new login
    assert await _status(http, first["accessToken"]) == 401
    assert await _status(http, second["accessToken"]) == 401
    refreshed = await anon_client.execute(REFRESH, {"t": first["refreshToken"]})
    assert refreshed["tokenRefresh"]["errors"][0]["code"] == "INVALID_REFRESH_TOKEN"
    login = await anon_client.execute(LOGIN, {"u": "olga", "p": "olga-password-1"})
    assert login["staffLogin"]["errors"] == [{"code": "INVALID_CREDENTIALS"}]

    # when enabled again, the password works; the old sessions stay ended
    assert (await admin.execute(ENABLE, {"id": olga_id}))["staffEnable"]["staff"]["isActive"]
    again = await _sign_in(anon_client, "olga", "olga-password-1")
    assert await _status(http, again["accessToken"]) == 200
    assert await _status(http, first["accessToken"]) == 401
    actions = [e.action for e in await AuditEntry.filter(object_type="StaffUser").order_by("id")]
    assert actions[-2:] == ["staff.disable", "staff.enable"]


async def test_a_role_change_applies_to_the_next_request(staff_client):
    admin = await staff_client(StaffRole.ADMIN)
    analyst = await staff_client(StaffRole.ANALYST)
    staff_gid = gid("StaffUser", analyst.staff_id)
    assert (await analyst.execute(ME))["staffMe"]["role"] == "ANALYST"

    data = await admin.execute(ROLE, {"id": staff_gid, "role": "OPERATOR"})
    assert data["staffRoleSet"] == {"staff": {"role": "OPERATOR"}, "errors": []}

    # the same access token now acts as an operator
    assert (await analyst.execute(ME))["staffMe"]["role"] == "OPERATOR"
    entry = await AuditEntry.filter(action="staff.role_set").get()
    assert (entry.before, entry.after) == ({"role": "ANALYST"}, {"role": "OPERATOR"})


async def test_the_last_active_admin_can_be_neither_disabled_nor_demoted(staff_client):
    admin = await staff_client(StaffRole.ADMIN)
    own = gid("StaffUser", admin.staff_id)
    disabled = await admin.execute(DISABLE, {"id": own})
    assert disabled["staffDisable"] == {
        "staff": None,
        "errors": [{"field": "id", "code": "LAST_ADMIN"}],
    }
    demoted = await admin.execute(ROLE, {"id": own, "role": "ANALYST"})
    assert demoted["staffRoleSet"]["errors"] == [{"field": "id", "code": "LAST_ADMIN"}]
    # control: with a second admin, the first may step down
    await staff_client(StaffRole.ADMIN)
    stepped = await admin.execute(ROLE, {"id": own, "role": "OPERATOR"})
    assert stepped["staffRoleSet"] == {"staff": {"role": "OPERATOR"}, "errors": []}


async def test_a_password_reset_signs_the_account_out_and_sets_the_new_password(
    anon_client, staff_client, http
):
    await create_staff("paul", "paul-password-1", StaffRole.ANALYST)
    session = await _sign_in(anon_client, "paul", "paul-password-1")
    admin = await staff_client(StaffRole.ADMIN)
    paul = next(
        s["id"]
        for s in (await admin.execute("{ staffUsers { id username } }"))["staffUsers"]
        if s["username"] == "paul"
    )

    short = await admin.execute(RESET, {"input": {"id": paul, "password": "short"}})
    assert short["staffPasswordReset"]["errors"] == [{"field": "password", "code": "INVALID"}]
    assert await _status(http, session["accessToken"]) == 200  # a refused reset changes nothing

    done = await admin.execute(RESET, {"input": {"id": paul, "password": "paul-password-2"}})
    assert done["staffPasswordReset"]["errors"] == []
    assert await _status(http, session["accessToken"]) == 401
    old = await anon_client.execute(LOGIN, {"u": "paul", "p": "paul-password-1"})
    assert old["staffLogin"]["errors"] == [{"code": "INVALID_CREDENTIALS"}]
    await _sign_in(anon_client, "paul", "paul-password-2")
    entry = await AuditEntry.filter(action="staff.password_reset").get()
    assert "paul-password-2" not in str(entry.after)


async def test_changing_ones_own_password_keeps_this_session_and_ends_the_others(anon_client, http):
    from tests.conftest import GraphQLClient

    await create_staff("rita", "rita-password-1", StaffRole.ANALYST)
    this = await _sign_in(anon_client, "rita", "rita-password-1")
    other = await _sign_in(anon_client, "rita", "rita-password-1")
    rita = GraphQLClient(http, token=this["accessToken"])

    wrong = await rita.execute(
        CHANGE, {"input": {"currentPassword": "not-it-at-all", "newPassword": "rita-password-2"}}
    )
    assert wrong["staffPasswordChange"]["errors"] == [
        {"field": "currentPassword", "code": "INVALID_CREDENTIALS"}
    ]
    done = await rita.execute(
        CHANGE, {"input": {"currentPassword": "rita-password-1", "newPassword": "rita-password-2"}}
    )
    assert done["staffPasswordChange"]["errors"] == []
    assert await _status(http, this["accessToken"]) == 200
    assert await _status(http, other["accessToken"]) == 401
    await _sign_in(anon_client, "rita", "rita-password-2")


async def test_unknown_staff_is_a_payload_error(staff_client):
    admin = await staff_client(StaffRole.ADMIN)
    data = await admin.execute(DISABLE, {"id": gid("StaffUser", 999999)})
    assert data["staffDisable"]["errors"] == [{"field": "id", "code": "STAFF_NOT_FOUND"}]
