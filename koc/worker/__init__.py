"""Background work on an existing queue engine (PgQueuer).

``@task("name")`` declares a task, ``await enqueue("name", run_after=None, **kwargs)`` adds a job
inside the caller's transaction, ``periodic("name", every_setting="KOC_SCHEDULE_...")`` runs a
task on a cron schedule from the settings, ``await run_pending_jobs()`` runs every due job in
this process (tests). ``worker_resource(factory)`` holds an async context open while a worker runs (what its tasks share).
``@tracked_task`` and ``start_job`` make long mutation work a job with a
status its caller queries (``job(id)``). ``koc worker`` runs workers; ``koc serve`` runs one embedded
(``KOC_EMBEDDED_WORKER``). README "Workers" tells how to run them on one machine and on many.
"""

from koc.worker.engine import enqueue, enqueue_many, run_pending_jobs
from koc.worker.registry import periodic, task, worker_resource
from koc.worker.tracked import start_job, tracked_task

__all__ = [
    "enqueue",
    "enqueue_many",
    "periodic",
    "run_pending_jobs",
    "start_job",
    "task",
    "tracked_task",
    "worker_resource",
]
