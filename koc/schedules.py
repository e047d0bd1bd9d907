"""The scheduled jobs: what ran from cron before, now tasks a worker runs on the schedules of
the settings (``KOC_SCHEDULE_*``, cron expressions in UTC; empty turns one off).

Each is also a command (``koc rewards issue-due``, ``koc benefits-refresh``, ...) that runs the
same function once, with a progress bar. Importing this module declares the tasks and their
schedules; ``create_app`` and ``koc worker`` import it.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from koc.creators.cli import recompute_scores
from koc.jobs import NO_PROGRESS, JobResult, Progress, log_result
from koc.notifications.cli import deliver as notifications_deliver
from koc.notifications.cli import remind as notifications_remind
from koc.privacy.cli import erase, retention
from koc.referrals.cli import issue_due
from koc.worker import periodic, task

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
    "notifications.remind": ("KOC_SCHEDULE_NOTIFICATIONS_REMIND", notifications_remind),
    "notifications.deliver_due": (
        "KOC_SCHEDULE_NOTIFICATIONS_DELIVER_DUE",
        notifications_deliver,
    ),
}


def _as_task(name: str, work: Work) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        start = time.monotonic()
        log_result(name, await work(NO_PROGRESS), time.monotonic() - start)

    return run


for _name, (_setting, _work) in SCHEDULED.items():
    task(_name)(_as_task(_name, _work))
    periodic(_name, every_setting=_setting)
