"""The scheduled jobs: what ran from cron before, now tasks a worker runs on the schedules of
the settings (``KOC_SCHEDULE_*``, cron expressions in UTC; empty turns one off).

Each is also a command (``koc rewards issue-due``, ``koc benefits-refresh``, ...) that runs the
same function once, with a progress bar. koc.tasks declares them as tasks on their schedules.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from koc.advisory.cli import pool_return, remind_due
from koc.creators.cli import recompute_scores
from koc.jobs import NO_PROGRESS, JobResult, Progress, log_result
from koc.livecodes.cli import check as live_codes_check
from koc.notifications.cli import deliver as notifications_deliver
from koc.notifications.cli import remind as notifications_remind
from koc.privacy.cli import erase, retention
from koc.referrals.cli import issue_due
from koc.segments.cli import recompute as segments_recompute

Work = Callable[[Progress], Awaitable[JobResult]]


async def benefits_refresh(progress: Progress) -> JobResult:
    """Award badges that time alone earned; expire and re-check privilege grants."""
    from koc.badges.awards import evaluate_all
    from koc.privileges.eligibility import refresh_all

    progress.expect(2)
    awarded = await evaluate_all()
    progress.advance()
    privileges = await refresh_all()
    progress.advance()
    return JobResult(f"Awarded {awarded} badges by rule; {privileges}", {"badges": awarded})


async def rollup_rebuild(progress: Progress) -> JobResult:
    """Recompute the referral report rollup from the orders (a repair)."""
    from koc.referrals.rollup import rebuild

    rows = await rebuild(progress)
    return JobResult(f"Rebuilt the referral report rollup: {rows} rows", {"rows": rows})


# task name -> (the setting holding its schedule, the work)
SCHEDULED: dict[str, tuple[str, Work]] = {
    "referrals.issue_due_rewards": ("KOC_SCHEDULE_REWARDS_ISSUE_DUE", issue_due),
    "benefits.refresh": ("KOC_SCHEDULE_BENEFITS_REFRESH", benefits_refresh),
    "creators.recompute_scores": ("KOC_SCHEDULE_KOCS_RECOMPUTE_SCORES", recompute_scores),
    "referrals.rollup_rebuild": ("KOC_SCHEDULE_REFERRALS_ROLLUP_REBUILD", rollup_rebuild),
    "privacy.erase_due": ("KOC_SCHEDULE_PRIVACY_ERASE_DUE", erase),
    "privacy.retention": ("KOC_SCHEDULE_PRIVACY_RETENTION", retention),
    "live_codes.check": ("KOC_SCHEDULE_LIVE_CODES_CHECK", live_codes_check),
    "advisory.pool_return": ("KOC_SCHEDULE_ADVISORY_POOL_RETURN", pool_return),
    "advisory.remind_due": ("KOC_SCHEDULE_ADVISORY_REMIND_DUE", remind_due),
    "segments.recompute": ("KOC_SCHEDULE_SEGMENTS_RECOMPUTE", segments_recompute),
    "notifications.remind": ("KOC_SCHEDULE_NOTIFICATIONS_REMIND", notifications_remind),
    "notifications.deliver_due": (
        "KOC_SCHEDULE_NOTIFICATIONS_DELIVER_DUE",
        notifications_deliver,
    ),
}


def as_task(name: str, work: Work) -> Callable[[], Awaitable[None]]:
    """The task running ``work`` once, logging its summary line as the command does."""

    async def run() -> None:
        start = time.monotonic()
        log_result(name, await work(NO_PROGRESS), time.monotonic() - start)

    return run
