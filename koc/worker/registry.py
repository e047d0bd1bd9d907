"""Which tasks exist and which of them run on a schedule.

A feature declares its background work where the work lives (``@task("webhooks.deliver")``)
and its schedule beside it (``periodic("rewards.issue_due", every_setting=...)``); the engine
(koc.worker.engine) reads both registries when a worker starts. Declaring is all an import
does: nothing runs until a worker runs it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

TaskFunction = Callable[..., Awaitable[None]]

# A task name is what is stored with each job: stable, dotted, lower case ("webhooks.deliver").
TASK_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class Periodic:
    """Run ``task`` (with no arguments) on the cron schedule read from setting ``setting``
    (the Settings field, ``KOC_<SETTING>`` in the environment); an empty setting turns it off."""

    task: str
    setting: str


TASKS: dict[str, TaskFunction] = {}
PERIODICS: dict[str, Periodic] = {}
RESOURCES: list[Callable[[], AbstractAsyncContextManager[Any]]] = []


def task(name: str) -> Callable[[TaskFunction], TaskFunction]:
    """Register ``async def fn(**kwargs) -> None`` as the task ``name``.

    A task that raises is retried with exponential backoff (``KOC_WORKER_MAX_ATTEMPTS``);
    its keyword arguments are what ``enqueue`` was given, as JSON gives them back."""
    if not TASK_NAME.match(name):
        raise ValueError(f"task name {name!r}: dotted lower-case words, like 'webhooks.deliver'")

    def register(fn: TaskFunction) -> TaskFunction:
        if TASKS.get(name, fn) is not fn:
            raise ValueError(f"task {name!r} is registered twice")
        TASKS[name] = fn
        return fn

    return register


def periodic(name: str, every_setting: str) -> None:
    """Run the task ``name`` on the cron expression of the setting ``every_setting``
    (``"KOC_SCHEDULE_REWARDS_ISSUE_DUE"`` or the field name ``schedule_rewards_issue_due``)."""
    setting = every_setting.removeprefix("KOC_").lower()
    PERIODICS[name] = Periodic(task=name, setting=setting)


def worker_resource(factory: Callable[[], AbstractAsyncContextManager[Any]]) -> None:
    """Hold ``factory()`` open while a worker runs jobs, its tasks running inside it: what they
    share for the worker's life (the webhook sender's kept connections), closed when it stops."""
    if factory not in RESOURCES:
        RESOURCES.append(factory)


def task_function(name: str) -> TaskFunction:
    try:
        return TASKS[name]
    except KeyError:
        raise LookupError(f"no task {name!r}: is the module that declares it imported?") from None


def schedule_of(periodic_: Periodic, settings: Any) -> str:
    """The cron expression of a periodic task in ``settings`` ("" when it is off)."""
    return str(getattr(settings, periodic_.setting) or "").strip()
