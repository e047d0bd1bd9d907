"""The SQLite inbox of jobs (unused on PostgreSQL, where PgQueuer's own table is the queue).

On SQLite ``enqueue`` writes a row here inside the caller's transaction, so a rolled-back change
leaves no job; the one engine of the database (koc.worker.inbox) hands committed rows to its
in-memory PgQueuer and deletes each row once its job is done. A row still here after a crash is
a job that did not finish: it is handed over again at the next start.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class InboxJob(Model):
    id = fields.BigIntField(primary_key=True)
    task = fields.CharField(max_length=100, description="The task name, as @task registered it")
    kwargs = fields.JSONField(description="The keyword arguments of the task")
    run_after = fields.DatetimeField(description="The job is not run before this time (UTC)")
    created_at = fields.DatetimeField(auto_now_add=True)
    failed_at = fields.DatetimeField(null=True, description="When the last attempt failed for good")
    error = fields.TextField(default="", description="Why the last attempt failed")

    class Meta:
        table = "worker_inbox_job"
        table_description = "Jobs enqueued on SQLite, until their task has run (SQLite only)"
