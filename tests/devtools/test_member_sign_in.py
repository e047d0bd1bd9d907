"""A front-end developer signs in as a demo member without WeChat: `koc dev wechat` answers
memberLogin's code2Session with the member the code names; `koc member-token` mints a session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from koc.audit.models import AuditEntry
from koc.devtools.signin import dev_wechat_server, issue_member_session
from koc.errors import DomainError
from koc.members.models import Member, MemberIdentity
from tests.conftest import APPID, gid
from tests.live import free_port, koc, koc_env

LOGIN = """mutation($code: String!) { memberLogin(code: $code) {
  created session { accessToken } member { id nickname } errors { code } } }"""
PHONE = """mutation($code: String!) { memberPhoneBind(code: $code) {
  member { phone } errors { code } } }"""


async def _demo_member() -> Member:
    member = await Member.create(nickname="Wang Fang", region="Shanghai", unionid="oU-demo-1")
    await MemberIdentity.create(member_id=member.id, appid=APPID, openid="oW-demo-1")
    return member


async def test_codes_name_demo_members_new_users_and_phone_numbers(endpoint, settings):
    # given a demo member and the development WeChat server, and koc pointed at it
    member = await _demo_member()
    with dev_wechat_server(settings, "127.0.0.1", 0) as wechat:
        koc_app = endpoint(wechat_api_base=wechat.base_url)
        anonymous = koc_app.anonymous()

        # when the front end signs in with the code naming the member
        data = (await anonymous.execute(LOGIN, {"code": f"member-{member.id}"}))["memberLogin"]
        # then it is that member, through the real memberLogin
        assert data["errors"] == [] and data["created"] is False
        assert data["member"] == {"id": gid("Member", member.id), "nickname": "Wang Fang"}

        # when it signs in with any other code, twice
        first = (await anonymous.execute(LOGIN, {"code": "alice"}))["memberLogin"]
        again = (await anonymous.execute(LOGIN, {"code": "alice"}))["memberLogin"]
        # then a new member signs up, and the same code is the same member afterwards
        assert first["created"] is True and again["created"] is False
        assert first["member"]["id"] == again["member"]["id"] != data["member"]["id"]

        # when that member binds a phone with a phone code
        alice = koc_app.anonymous()
        alice.token = again["session"]["accessToken"]
        bound = (await alice.execute(PHONE, {"code": "phone-13800138042"}))["memberPhoneBind"]
        assert bound == {"member": {"phone": "+8613800138042"}, "errors": []}

        # and a code naming nobody is WeChat's invalid code
        nobody = (await anonymous.execute(LOGIN, {"code": "member-99999"}))["memberLogin"]
        assert nobody["errors"] == [{"code": "INVALID_CODE"}]


async def test_an_operator_mints_an_audited_member_session(endpoint, settings):
    # given a member
    member = await _demo_member()
    # when an operator issues a session at the command line
    tokens = await issue_member_session(settings, member.id, "  support ticket 42 ")
    # then the token works as the member's own, and the audit log says who asked and why
    me = endpoint().anonymous()
    me.token = tokens.access_token
    assert (await me.execute("{ me { id } }"))["me"]["id"] == gid("Member", member.id)
    entry = await AuditEntry.get(action="member.session_issued")
    assert (entry.actor, entry.object_id, entry.after) == (
        "cli",
        str(member.id),
        {"reason": "support ticket 42"},
    )
    # and nothing is issued for a member who does not exist or without a reason
    for member_id, reason in [(member.id + 1000, "x"), (member.id, " ")]:
        with pytest.raises(DomainError):
            await issue_member_session(settings, member_id, reason)
    assert await AuditEntry.all().count() == 1


CREATE_MEMBER = """
import asyncio
from koc.cli import _with_db
from koc.members.models import Member, MemberIdentity
from koc.settings import get_settings

async def create():
    member = await Member.create(nickname="Li Lei", region="Hangzhou")
    await MemberIdentity.create(member_id=member.id, appid="wx-demo-appid", openid="oW-li")
    print(member.id)

asyncio.run(_with_db(get_settings(), create))
"""


def _code2session(port: int, code: str) -> dict:
    return httpx.get(
        f"http://127.0.0.1:{port}/sns/jscode2session",
        params={
            "appid": "wx-demo-appid",
            "secret": "wx-demo-secret",
            "js_code": code,
            "grant_type": "authorization_code",
        },
    ).json()


def test_koc_dev_wechat_serves_until_stopped(tmp_path: Path):
    # given a development database with a WeChat member
    env = koc_env(KOC_ENV="development", KOC_DATABASE_URL=f"sqlite://{tmp_path / 'dev.sqlite3'}")
    koc(env, "migrate")
    created = subprocess.run(
        [sys.executable, "-c", CREATE_MEMBER], env=env, capture_output=True, text=True, check=True
    )
    member_id = int(created.stdout.split()[-1])
    # when the developer starts koc dev wechat
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "koc.cli", "dev", "wechat", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(4)]
        # then it says how to point koc at it and which code is the member ...
        assert f"KOC_WECHAT_API_BASE=http://127.0.0.1:{port} koc serve" in lines[1]
        assert f"member-{member_id}" in lines[3] and "Li Lei" in lines[3]
        # ... and answers code2Session as WeChat would (demo appid and secret): the member's
        # openid for their code, a new user's for any other
        assert _code2session(port, f"member-{member_id}")["openid"] == "oW-li"
        assert _code2session(port, "alice")["openid"].startswith("dev-")
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_koc_dev_wechat_refuses_to_run_in_production(tmp_path: Path):
    env = koc_env(KOC_ENV="production", KOC_JWT_SECRET="p" * 40)
    result = subprocess.run(
        [sys.executable, "-m", "koc.cli", "dev", "wechat"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "KOC_ENV=development" in result.stderr
