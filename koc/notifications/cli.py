"""``koc notifications deliver | remind | survey-invite ID``: sending due subscribe messages,
the daily reminder scans, and inviting a survey's audience, from cron or a terminal."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

from koc.auth.wechat import WeChatClient
from koc.errors import DomainError
from koc.jobs import JobResult, Progress
from koc.notifications import triggers
from koc.notifications.delivery import DeliveryPolicy, deliver_due
from koc.settings import get_settings

RunJob = Callable[[str, Callable[[Progress], Awaitable[JobResult]]], int]


async def deliver(progress: Progress) -> JobResult:
    settings = get_settings()
    client = WeChatClient(
        settings.wechat_api_base,
        settings.wechat_appid,
        settings.wechat_secret,
        settings.wechat_timeout_seconds,
    )
    policy = DeliveryPolicy.from_settings(settings)
    totals: dict[str, int] = {}
    try:
        while states := await deliver_due(client, policy):
            for state, n in states.items():
                totals[state.value.lower()] = totals.get(state.value.lower(), 0) + n
            progress.advance(sum(states.values()))
            if set(states) <= {"WAITING", "QUEUED"}:  # held back or retrying later: done now
                break
    finally:
        await client.aclose()
    summary = ", ".join(f"{n} {s}" for s, n in sorted(totals.items())) or "nothing due"
    return JobResult(f"Subscribe messages: {summary}", totals)


async def remind(progress: Progress) -> JobResult:
    progress.expect(2)
    expiring = len(await triggers.privileges_expiring())
    progress.advance()
    seats = len(await triggers.seats_tomorrow())
    progress.advance()
    return JobResult(
        f"Reminded {expiring} privileges expiring soon and {seats} seats for tomorrow",
        {"expiring": expiring, "seats": seats},
    )


def register(sub: Any, run_job: RunJob) -> None:
    """Add the ``notifications`` command to the ``koc`` command line."""

    def cmd_notifications(args: argparse.Namespace) -> int:
        if args.action == "survey-invite":
            if args.survey_id is None:
                print("survey-invite needs the survey's database id")
                return 2

            async def invite(progress: Progress) -> JobResult:
                try:
                    invited = await triggers.survey_invitations(args.survey_id)
                except DomainError as exc:
                    return JobResult(exc.message, failed=1)
                progress.advance(invited)
                return JobResult(f"Invited {invited} members", {"invited": invited})

            return run_job("notifications survey-invite", invite)
        work = deliver if args.action == "deliver" else remind
        return run_job(f"notifications {args.action}", work)

    p = sub.add_parser("notifications", help="subscribe messages and reminders")
    p.add_argument(
        "action",
        choices=["deliver", "remind", "survey-invite"],
        help="deliver: send the subscribe messages due now; remind: privileges expiring soon "
        "and seats for tomorrow (daily); survey-invite ID: invite the survey's audience",
    )
    p.add_argument("survey_id", nargs="?", type=int, help="the survey (survey-invite)")
    p.set_defaults(func=cmd_notifications)
