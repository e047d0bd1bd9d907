"""``koc notifications deliver | remind | survey-invite ID``: sending due subscribe messages,
the daily reminder scans, and inviting a survey's audience, from cron or a terminal."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

from koc.errors import DomainError
from koc.jobs import JobResult, Progress
from koc.notifications import jobs, triggers
from koc.notifications.delivery import deliver_due

RunJob = Callable[[str, Callable[[Progress], Awaitable[JobResult]]], int]


async def deliver(progress: Progress) -> JobResult:
    """Send every message due now (the jobs send them as they are queued; this sweeps up any
    whose job was lost)."""
    sender, policy = jobs.sender()
    totals: dict[str, int] = {}
    while states := await deliver_due(sender, policy):
        for state, n in states.items():
            totals[state.value.lower()] = totals.get(state.value.lower(), 0) + n
        progress.advance(sum(states.values()))
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
