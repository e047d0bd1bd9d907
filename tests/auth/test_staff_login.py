"""Staff sign in with username and password (Argon2id hashes)."""

from koc.auth.models import StaffRole, StaffUser
from koc.auth.services import create_staff

LOGIN = """mutation($u: String!, $p: String!) { staffLogin(username: $u, password: $p) {
  session { accessToken } staff { username role } errors { field code message } } }"""


async def test_login_with_the_right_password(anon_client, http):
    await create_staff("alice", "s3cret-password", StaffRole.ANALYST)
    data = (await anon_client.execute(LOGIN, {"u": "alice", "p": "s3cret-password"}))["staffLogin"]
    assert data["errors"] == []
    assert data["staff"] == {"username": "alice", "role": "ANALYST"}
    stored = await StaffUser.get(username="alice")
    assert stored.password_hash.startswith("$argon2id$")
    assert stored.last_login_at is not None


async def test_wrong_password_and_unknown_user_look_the_same(anon_client):
    await create_staff("bob", "s3cret-password", StaffRole.ADMIN)
    wrong = (await anon_client.execute(LOGIN, {"u": "bob", "p": "nope-nope-nope"}))["staffLogin"]
    unknown = (await anon_client.execute(LOGIN, {"u": "nobody", "p": "nope-nope-nope"}))[
        "staffLogin"
    ]
    assert wrong["session"] is None
    assert wrong["errors"] == unknown["errors"]
    assert wrong["errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_repeated_failures_lock_the_account(anon_client):
    await create_staff("dave", "s3cret-password", StaffRole.ADMIN)
    for _ in range(5):
        await anon_client.execute(LOGIN, {"u": "dave", "p": "wrong-password"})
    staff = await StaffUser.get(username="dave")
    assert staff.failed_login_count == 5 and staff.locked_until is not None
    # even the right password is refused while locked
    data = (await anon_client.execute(LOGIN, {"u": "dave", "p": "s3cret-password"}))["staffLogin"]
    assert data["session"] is None


async def test_disabled_account_cannot_sign_in_or_use_its_token(anon_client, staff_client):
    await create_staff("erin", "s3cret-password", StaffRole.ADMIN)
    client = await staff_client(StaffRole.ADMIN)
    await StaffUser.filter(id=client.staff_id).update(is_active=False)
    response = await client.post("{ staffMe { username } }")
    assert response.status_code == 401
    await StaffUser.filter(username="erin").update(is_active=False)
    data = (await anon_client.execute(LOGIN, {"u": "erin", "p": "s3cret-password"}))["staffLogin"]
    assert data["errors"][0]["code"] == "INVALID_CREDENTIALS"


STAFF_CREATE = """mutation($i: StaffCreateInput!) { staffCreate(input: $i) {
  staff { username role } errors { field code } } }"""


async def test_only_admin_creates_staff(staff_client):
    admin = await staff_client(StaffRole.ADMIN)
    data = await admin.execute(
        STAFF_CREATE, {"i": {"username": "frank", "password": "long-enough-pw", "role": "OPERATOR"}}
    )
    assert data["staffCreate"]["staff"] == {"username": "frank", "role": "OPERATOR"}
    operator = await staff_client(StaffRole.OPERATOR)
    errors = await operator.errors(
        STAFF_CREATE, {"i": {"username": "gina", "password": "long-enough-pw", "role": "ADMIN"}}
    )
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert not await StaffUser.exists(username="gina")


async def test_staff_create_validates_input(staff_client):
    admin = await staff_client(StaffRole.ADMIN)
    cases = [
        ({"username": "x", "password": "long-enough-pw", "role": "ANALYST"}, "username", "INVALID"),
        ({"username": "henry", "password": "short", "role": "ANALYST"}, "password", "INVALID"),
    ]
    for payload, field, code in cases:
        data = (await admin.execute(STAFF_CREATE, {"i": payload}))["staffCreate"]
        assert data["staff"] is None
        assert data["errors"] == [{"field": field, "code": code}]
    await admin.execute(
        STAFF_CREATE, {"i": {"username": "ivy", "password": "long-enough-pw", "role": "ANALYST"}}
    )
    dup = await admin.execute(
        STAFF_CREATE, {"i": {"username": "ivy", "password": "long-enough-pw", "role": "ADMIN"}}
    )
    assert dup["staffCreate"]["errors"] == [{"field": "username", "code": "DUPLICATE"}]
    assert await StaffUser.filter(username="ivy").count() == 1
