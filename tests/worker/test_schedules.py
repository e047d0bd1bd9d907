"""The jobs that were cron commands run on the schedules of the settings, in a worker."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from koc.orders.models import MemberEvent
from koc.schedules import SCHEDULED
from koc.settings import Settings
from koc.tasks import register_all
from koc.worker.process import run_worker
from koc.worker.registry import PERIODICS, TASKS
from tests.creators.factories import event


def every_setting_off(settings: Settings, **on: str) -> Settings:
    schedules = {name: "" for name in Settings.model_fields if name.startswith("schedule_")}
    return settings.model_copy(update={**schedules, **on})


def test_each_former_cron_command_is_a_task_on_a_schedule_setting() -> None:
    register_all()
    defaults = Settings()
    for name in SCHEDULED:
        assert name in TASKS
        assert getattr(defaults, PERIODICS[name].setting), f"{name} has no default schedule"


def test_a_schedule_must_be_a_cron_expression() -> None:
    with pytest.raises(ValueError, match="cron expression"):
        Settings(schedule_privacy_retention="every day")
    assert Settings(schedule_privacy_retention="").schedule_privacy_retention == ""


async def test_a_worker_runs_retention_on_its_schedule(
    app: Any, settings: Settings, member_client, partner_client
) -> None:
    dealer = await partner_client(["events:write"])
    member = await member_client()
    for external_id, days_ago in [("e-old", 800), ("e-new", 10)]:
        await event(dealer, member.member_id, "EVENT_ATTENDED", days_ago, external_id=external_id)
    # given a worker whose retention schedule fires every second (croniter's sixth field)
    stop = asyncio.Event()
    worker = asyncio.create_task(
        run_worker(every_setting_off(settings, schedule_privacy_retention="* * * * * *"), stop)
    )
    try:
        # when a tick passes, then the old event is gone and the recent one stays
        deadline = time.monotonic() + 20
        while await MemberEvent.filter(external_id="e-old").exists():
            assert time.monotonic() < deadline, "retention never ran"
            assert not worker.done(), worker
            await asyncio.sleep(0.1)
        assert await MemberEvent.all().values_list("external_id", flat=True) == ["e-new"]
    finally:
        stop.set()
        await worker
