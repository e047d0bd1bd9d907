"""Long jobs run from the command line (seed-demo, kocs recompute-scores, referrals
rollup-rebuild, rewards issue-due, benefits-refresh): a progress bar on a terminal (tqdm, shown
only when stderr is one, so cron output stays clean), one summary line in the logs, and an exit
status of 1 when any part failed.

A job is an async function taking a ``Progress``: it says how much work it sees coming
(``expect``) and reports what it did (``advance``). Services take the same object with
``NO_PROGRESS`` as default, so the API and the tests call them unchanged.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from tqdm import tqdm

logger = logging.getLogger("koc.jobs")


class Progress(Protocol):
    def expect(self, more: int) -> None:
        """``more`` units of work are coming."""

    def advance(self, done: int = 1) -> None:
        """``done`` units of work are finished."""


class _NoProgress:
    def expect(self, more: int) -> None:
        pass

    def advance(self, done: int = 1) -> None:
        pass


NO_PROGRESS: Progress = _NoProgress()


class _Bar:
    """A tqdm bar whose total grows as the job discovers its work."""

    def __init__(self, bar: Any) -> None:
        self._bar = bar

    def expect(self, more: int) -> None:
        self._bar.total = (self._bar.total or 0) + more
        self._bar.refresh()

    def advance(self, done: int = 1) -> None:
        self._bar.update(done)


@dataclass
class JobResult:
    """What a job did: the line for the terminal, figures for the log line, and failures."""

    summary: str
    counts: dict[str, int] = field(default_factory=dict)
    failed: int = 0


def run_job(
    name: str,
    work: Callable[[Progress], Awaitable[JobResult]],
    run_with_db: Callable[[Callable[[], Awaitable[JobResult]]], JobResult],
) -> int:
    """Run ``work`` through ``run_with_db`` (``koc.cli`` hands it in: it opens the database
    with every feature connected) with a progress bar; print its summary, log one line, return
    the exit status (1 when it raised or reported failures)."""
    start = time.monotonic()
    with tqdm(desc=name, unit="", disable=None, leave=False, file=sys.stderr) as bar:
        try:
            result = run_with_db(lambda: work(_Bar(bar)))
        except Exception:
            logger.exception(
                "%s failed after %.1f s", name, time.monotonic() - start, extra={"job": name}
            )
            return 1
    print(result.summary)
    log_result(name, result, time.monotonic() - start)
    return 0 if result.failed == 0 else 1


def log_result(name: str, result: JobResult, seconds: float) -> None:
    """The one summary line of a finished job (the command line's and the worker's)."""
    seconds = round(seconds, 1)
    ok = result.failed == 0
    logger.log(
        logging.INFO if ok else logging.ERROR,
        "%s %s in %.1f s: %s",
        name,
        "finished" if ok else f"finished with {result.failed} failures",
        seconds,
        result.summary.splitlines()[0],
        extra={"job": name, "ok": ok, "seconds": seconds, "failed": result.failed, **result.counts},
    )
