"""Which background tasks exist and which run on a schedule: the one place they are declared.

``register_all()`` installs this list; ``create_app`` and the CLI (``koc worker`` and every
command that may start a job) call it beside ``koc.wiring.connect_all()``. A feature writes its
task as a plain async function; this module names it. tests/worker/test_tasks.py pins the list
and fails when a task or a schedule is declared anywhere else in koc/.

- Tracked tasks are long work a mutation starts; their callers follow them with ``job(id)``.
- Scheduled tasks are the former cron commands (koc.schedules), run on the cron expressions of
  the ``KOC_SCHEDULE_*`` settings.
"""

from __future__ import annotations

from koc import schedules
from koc.badges.definitions import AWARD_QUALIFYING, award_to_qualifying
from koc.members.bulk import TAGS_CHANGE, change_tags
from koc.privileges.catalogue import REFRESH_ELIGIBILITY, refresh_eligibility
from koc.worker import periodic, task, tracked_task

TRACKED = (
    (AWARD_QUALIFYING, award_to_qualifying),
    (REFRESH_ELIGIBILITY, refresh_eligibility),
    (TAGS_CHANGE, change_tags),
)

_registered = False


def register_all() -> None:
    """Declare every task and schedule (once per process; a second call does nothing)."""
    global _registered
    if _registered:
        return
    for name, work in TRACKED:
        tracked_task(name)(work)
    for name, (setting, work) in schedules.SCHEDULED.items():
        task(name)(schedules.as_task(name, work))
        periodic(name, every_setting=setting)
    _registered = True
