"""``koc dev wechat`` and ``koc member-token``: be a member without a WeChat account."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

RunWithDb = Callable[[Callable[[], Awaitable[Any]]], Any]


def cmd_dev_wechat(args: argparse.Namespace, run_with_db: RunWithDb) -> int:
    from koc.devtools.signin import dev_wechat_server, sign_in_codes
    from koc.settings import get_settings

    settings = get_settings()
    if not settings.is_development:
        print(
            "error: koc dev wechat signs anyone in as any member; it runs only with "
            "KOC_ENV=development",
            file=sys.stderr,
        )
        return 2

    async def serve() -> None:
        with dev_wechat_server(settings, args.host, args.port) as server:
            codes = await sign_in_codes(settings.wechat_appid)
            print(f"WeChat's API for development on {server.base_url} (appid {server.state.appid})")
            print(f"Serve koc with:  KOC_WECHAT_API_BASE={server.base_url} koc serve")
            print('Then memberLogin(code: "...") signs in as the member the code names:')
            for c in codes:
                print(f"  {c.code:<14} {c.nickname or '-'} {c.region}")
            if not codes:
                print("  (no WeChat member yet: run koc seed-demo for the demo's)")
            print("Any other code signs up a new member (the same code, the same member);")
            print('memberPhoneBind(code: "phone-13800138000") gives that number. Ctrl-C stops.')
            sys.stdout.flush()
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how it stops
        run_with_db(serve)
    return 0


def cmd_member_token(args: argparse.Namespace, run_with_db: RunWithDb) -> int:
    from koc.devtools.signin import issue_member_session
    from koc.errors import DomainError
    from koc.settings import get_settings

    settings = get_settings()
    try:
        tokens = run_with_db(lambda: issue_member_session(settings, args.member_id, args.reason))
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    print(f"Session for member {args.member_id} (recorded in the audit log):")
    print(f"access token  ({tokens.expires_in} s): {tokens.access_token}")
    print(f"refresh token: {tokens.refresh_token}")
    return 0


def register(sub: Any, run_with_db: RunWithDb) -> None:
    """Add ``dev`` and ``member-token`` to the ``koc`` command line; ``run_with_db`` (from
    ``koc.cli``) runs a coroutine against the database."""
    p = sub.add_parser("dev", help="development tools (KOC_ENV=development only)")
    dev = p.add_subparsers(dest="tool", required=True, metavar="TOOL")
    w = dev.add_parser(
        "wechat",
        help="serve WeChat's login and phone API locally: codes name demo members",
        description="Serve WeChat's code2Session and phone-number API on this machine, where "
        "the login code names the member: point KOC_WECHAT_API_BASE at it.",
    )
    w.add_argument("--host", default="127.0.0.1", help="address to listen on")
    w.add_argument("--port", type=int, default=8001, help="port to listen on")
    w.set_defaults(func=partial(cmd_dev_wechat, run_with_db=run_with_db))

    p = sub.add_parser(
        "member-token",
        help="issue a session for a member (audited), e.g. for support or scripts",
        description="Print an access token and a refresh token for a member, as memberLogin "
        "would, and record who asked and why in the audit log.",
    )
    p.add_argument("member_id", type=int, help="the member's database id (the number in Member:N)")
    p.add_argument("--reason", required=True, help="why, for the audit log (1-200 characters)")
    p.set_defaults(func=partial(cmd_member_token, run_with_db=run_with_db))
