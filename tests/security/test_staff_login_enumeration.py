"""A staff login answer never tells whether the username exists, even while it is locked."""

from datetime import UTC, datetime

from koc.auth.models import StaffRole, StaffUser
from koc.auth.services import LOCKOUT_THRESHOLD, create_staff

LOGIN = """mutation($u: String!, $p: String!) { staffLogin(username: $u, password: $p) {
  session { accessToken } staff { username } errors { field code message } } }"""
PASSWORD = "correct-horse-battery"


async def login(client, username: str, password: str) -> dict:
    return (await client.execute(LOGIN, {"u": username, "p": password}))["staffLogin"]


async def test_locked_known_and_unknown_usernames_get_the_same_answer(anon_client) -> None:
    # given a real account and failures enough to lock it, and the same for an unknown name
    await create_staff("grace", PASSWORD, StaffRole.ADMIN)
    known = [
        await login(anon_client, "grace", "wrong-password") for _ in range(LOCKOUT_THRESHOLD + 2)
    ]
    unknown = [
        await login(anon_client, "nobody-here", "wrong-password")
        for _ in range(LOCKOUT_THRESHOLD + 2)
    ]

    # then every answer, before and after the lock, is the same for both
    assert known == unknown
    assert {a["errors"][0]["code"] for a in known} == {"INVALID_CREDENTIALS"}
    assert all(a["session"] is None and a["staff"] is None for a in known)

    # and the real account is locked: even its right password gets that same answer
    staff = await StaffUser.get(username="grace")
    assert staff.locked_until is not None and staff.locked_until > datetime.now(UTC)
    assert await login(anon_client, "grace", PASSWORD) == unknown[0]


async def test_the_lock_doubles_with_each_further_failure(anon_client) -> None:
    await create_staff("heidi", PASSWORD, StaffRole.ADMIN)
    for _ in range(LOCKOUT_THRESHOLD):
        await login(anon_client, "heidi", "wrong-password")
    first = await StaffUser.get(username="heidi")
    # once the first lock has run out, one more failure locks for twice as long
    await StaffUser.filter(id=first.id).update(locked_until=datetime.now(UTC))
    await login(anon_client, "heidi", "wrong-password")
    second = await StaffUser.get(username="heidi")
    assert second.failed_login_count == LOCKOUT_THRESHOLD + 1
    first_lock = first.locked_until - datetime.now(UTC)
    second_lock = second.locked_until - datetime.now(UTC)
    assert second_lock.total_seconds() > 1.8 * first_lock.total_seconds()


async def test_the_right_password_after_the_lock_expires_signs_in_and_resets(anon_client) -> None:
    await create_staff("ivan", PASSWORD, StaffRole.ADMIN)
    for _ in range(LOCKOUT_THRESHOLD):
        await login(anon_client, "ivan", "wrong-password")
    await StaffUser.filter(username="ivan").update(locked_until=datetime.now(UTC))
    answer = await login(anon_client, "ivan", PASSWORD)
    assert answer["staff"] == {"username": "ivan"} and answer["errors"] == []
    staff = await StaffUser.get(username="ivan")
    assert staff.failed_login_count == 0 and staff.locked_until is None
