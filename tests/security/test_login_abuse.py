"""Guessing staff passwords costs what it costs: concurrent failures all count towards the
lockout, a flood from one address is refused with 429 after a few attempts, and the password
hashes run off the event loop, so the rest of the API keeps answering meanwhile."""

from __future__ import annotations

import asyncio
import time

from koc.auth.models import StaffRole, StaffUser
from koc.auth.services import LOCKOUT_THRESHOLD, create_staff

LOGIN = """mutation($u: String!, $p: String!) {
  staffLogin(username: $u, password: $p) { session { accessToken } errors { code } } }"""
PASSWORD = "correct horse battery staple"


def codes(response) -> set[str]:
    body = response.json()
    payload = (body.get("data") or {}).get("staffLogin") or {}
    found = {e["code"] for e in payload.get("errors") or []}
    return found | {e["extensions"]["code"] for e in body.get("errors") or []}


async def test_ten_parallel_wrong_passwords_count_ten_failures(endpoint) -> None:
    # given an account, and rate limits wide enough to let all ten guesses through (and time
    # for ten hashes on a busy test machine)
    api = endpoint(rate_limit_capacity=1_000_000, execution_timeout_seconds=120)
    staff = await create_staff("lockout-race", PASSWORD, StaffRole.ADMIN)

    # when ten wrong passwords arrive at once
    responses = await asyncio.gather(
        *(api.anonymous().post(LOGIN, {"u": staff.username, "p": f"wrong {i}"}) for i in range(10))
    )

    # then each is refused and each counted, and the account is locked
    assert [codes(r) for r in responses] == [{"INVALID_CREDENTIALS"}] * 10, [
        r.text for r in responses
    ]
    stored = await StaffUser.get(id=staff.id)
    assert stored.failed_login_count == 10
    assert stored.locked_until is not None
    # and even the right password is refused while it is locked
    assert codes(await api.anonymous().post(LOGIN, {"u": staff.username, "p": PASSWORD})) == {
        "INVALID_CREDENTIALS"
    }


async def test_the_right_password_resets_the_count(endpoint) -> None:
    # (the control: below the threshold the account opens and the count starts again)
    api = endpoint(rate_limit_capacity=1_000_000)
    staff = await create_staff("lockout-control", PASSWORD, StaffRole.ADMIN)
    for _ in range(LOCKOUT_THRESHOLD - 1):
        await api.anonymous().post(LOGIN, {"u": staff.username, "p": "wrong"})
    response = await api.anonymous().post(LOGIN, {"u": staff.username, "p": PASSWORD})
    assert response.json()["data"]["staffLogin"]["session"]["accessToken"]
    assert (await StaffUser.get(id=staff.id)).failed_login_count == 0


async def test_a_login_flood_gets_429_and_healthz_stays_fast(endpoint) -> None:
    # given the default rate limits and an account under attack from one address (and time for
    # the hashes let through on a busy test machine)
    api = endpoint(execution_timeout_seconds=120)
    staff = await create_staff("flooded", PASSWORD, StaffRole.ADMIN)
    latencies: list[float] = []
    done = asyncio.Event()

    async def poll_healthz() -> None:
        while not done.is_set():
            started = time.perf_counter()
            assert (await api.http.get("/healthz")).status_code == 200
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.005)

    poller = asyncio.create_task(poll_healthz())

    # when sixty wrong passwords arrive at once, while /healthz is polled
    responses = await asyncio.gather(
        *(api.anonymous().post(LOGIN, {"u": staff.username, "p": f"guess {i}"}) for i in range(60))
    )
    done.set()
    await poller

    # then only about ten were checked; the rest got 429 with Retry-After at once
    limited = [r for r in responses if r.status_code == 429]
    assert all(codes(r) == {"RATE_LIMITED"} and int(r.headers["retry-after"]) > 0 for r in limited)
    assert len(limited) >= 50
    assert all(codes(r) == {"INVALID_CREDENTIALS"} for r in responses if r not in limited)
    # and /healthz answered within 50 ms at the 99th percentile meanwhile
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99)]
    assert p99 < 0.05, f"healthz p99 {p99 * 1000:.1f} ms over {len(latencies)} calls"
