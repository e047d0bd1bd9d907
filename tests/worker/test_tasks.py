"""koc/tasks.py is the one place background tasks and schedules are declared, in a list this
test pins."""

from __future__ import annotations

import ast
from pathlib import Path

from koc.tasks import register_all
from koc.worker.registry import PERIODICS, TASKS

KOC = Path(__file__).resolve().parents[2] / "koc"
DECLARING = {"task", "tracked_task", "periodic"}

# task name -> the setting of its schedule (None: started by a mutation or by enqueue)
EXPECTED = {
    "badges.award_qualifying": None,
    "privileges.refresh_eligibility": None,
    "members.tags_change": None,
    "referrals.issue_due_rewards": "schedule_rewards_issue_due",
    "benefits.refresh": "schedule_benefits_refresh",
    "creators.recompute_scores": "schedule_kocs_recompute_scores",
    "referrals.rollup_rebuild": "schedule_referrals_rollup_rebuild",
    "privacy.erase_due": "schedule_privacy_erase_due",
    "privacy.retention": "schedule_privacy_retention",
    "live_codes.check": "schedule_live_codes_check",
    "advisory.pool_return": "schedule_advisory_pool_return",
    "advisory.remind_due": "schedule_advisory_remind_due",
    "segments.recompute": "schedule_segments_recompute",
    "notifications.remind": "schedule_notifications_remind",
    "notifications.deliver_due": "schedule_notifications_deliver_due",
    "notifications.deliver": None,
    "webhooks.dispatch": None,
    "webhooks.deliver": None,
    "webhooks.sweep": "schedule_webhooks_sweep",
}


def test_register_all_declares_the_pinned_tasks_and_schedules_once() -> None:
    register_all()
    register_all()  # twice: nothing is declared twice
    koc_tasks = {name for name in TASKS if not name.startswith(("tests.", "bench."))}
    assert koc_tasks == set(EXPECTED)
    schedules = {name: p.setting for name, p in PERIODICS.items()}
    assert schedules == {name: s for name, s in EXPECTED.items() if s}


def test_no_other_module_of_koc_declares_a_task() -> None:
    offenders = []
    for path in sorted(KOC.rglob("*.py")):
        relative = path.relative_to(KOC).as_posix()
        if relative == "tasks.py" or relative.startswith("worker/"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("koc.worker"):
                names = {alias.name for alias in node.names} & DECLARING
                if names:
                    offenders.append(f"koc/{relative}:{node.lineno} imports {sorted(names)}")
    assert offenders == [], "declare tasks and schedules in koc/tasks.py:\n" + "\n".join(offenders)
