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
from koc.notifications import jobs as notifications
from koc.privileges.catalogue import REFRESH_ELIGIBILITY, refresh_eligibility
from koc.webhooks import delivery as webhook_delivery
from koc.webhooks import dispatch as webhook_dispatch
from koc.webhooks import sender as webhook_sender
from koc.worker import periodic, task, tracked_task, worker_resource

TRACKED = (
    (AWARD_QUALIFYING, award_to_qualifying),
    (REFRESH_ELIGIBILITY, refresh_eligibility),
    (TAGS_CHANGE, change_tags),
)

# Plain tasks: work that features enqueue (webhook deliveries, subscribe messages), and the
# webhook sweep, a safety net on a schedule of its own.
PLAIN = (
    (webhook_dispatch.DISPATCH, webhook_dispatch.dispatch_task),
    (webhook_dispatch.SWEEP, webhook_dispatch.sweep),
    (webhook_delivery.DELIVER, webhook_delivery.deliver),
    (notifications.DELIVER, notifications.deliver_messages),
)
PLAIN_SCHEDULES = ((webhook_dispatch.SWEEP, "KOC_SCHEDULE_WEBHOOKS_SWEEP"),)

_registered = False


def register_all() -> None:
    """Declare every task and schedule (once per process; a second call does nothing)."""
    global _registered
    if _registered:
        return
    for name, work in TRACKED:
        tracked_task(name)(work)
    for name, work in PLAIN:
        task(name)(work)
    for name, setting in PLAIN_SCHEDULES:
        periodic(name, every_setting=setting)
    # A worker keeps its receivers' connections open (koc.webhooks.sender).
    worker_resource(webhook_sender.kept_connections)
    for name, (setting, work) in schedules.SCHEDULED.items():
        task(name)(schedules.as_task(name, work))
        periodic(name, every_setting=setting)
    _registered = True
