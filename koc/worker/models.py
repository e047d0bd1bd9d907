"""The worker's tables: the SQLite inbox of jobs, and the status of long work (``Job``).

The inbox is unused on PostgreSQL, where PgQueuer's own table is the queue. On SQLite ``enqueue`` writes a row here inside the caller's transaction, so a rolled-back change
leaves no job; the one engine of the database (koc.worker.inbox) hands committed rows to its
in-memory PgQueuer and deletes each row once its job is done. A row still here after a crash is
a job that did not finish: it is handed over again at the next start.
"""

from __future__ import annotations

from enum import StrEnum

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


class JobStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


class Job(Model):
    """A long piece of work a mutation started, with the status its caller can query."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=100, description="The task that does the work")
    status = fields.CharEnumField(JobStatus, max_length=8, default=JobStatus.QUEUED)
    done = fields.IntField(default=0, description="Units of work finished")
    total = fields.IntField(null=True, description="Units of work expected, once known")
    summary = fields.TextField(default="", description="What the job did, once DONE")
    error = fields.TextField(default="", description="Why it FAILED")
    staff_id = fields.IntField(null=True, description="The staff member who started it")
    created_at = fields.DatetimeField(auto_now_add=True)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "worker_job"
        table_description = "Long work started by a mutation: status, progress, result"
