"""The worker's tables: koc's SQLite inbox, and on PostgreSQL PgQueuer's own schema.

PgQueuer's tables, types, trigger and functions are created by PgQueuer's ``install`` (what
``pgq install`` runs), here so that ``koc migrate`` sets up everything. A later PgQueuer whose
schema changes gets a migration of its own running ``Queries.upgrade()`` (``pgq upgrade``).
"""

from orjson import loads
from pgqueuer.adapters.persistence.queries import Queries
from tortoise import fields, migrations
from tortoise.fields.data import JSON_DUMPS
from tortoise.migrations import operations as ops

from koc.worker.engine import TransactionDriver


async def install_pgqueuer(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect == "postgres":
        await Queries(TransactionDriver(schema_editor.client)).install()


async def uninstall_pgqueuer(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect == "postgres":
        await Queries(TransactionDriver(schema_editor.client)).uninstall()


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='InboxJob',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('task', fields.CharField(description='The task name, as @task registered it', max_length=100)),
                ('kwargs', fields.JSONField(description='The keyword arguments of the task', encoder=JSON_DUMPS, decoder=loads)),
                ('run_after', fields.DatetimeField(description='The job is not run before this time (UTC)', auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('failed_at', fields.DatetimeField(null=True, description='When the last attempt failed for good', auto_now=False, auto_now_add=False)),
                ('error', fields.TextField(default='', description='Why the last attempt failed', unique=False)),
            ],
            options={'table': 'worker_inbox_job', 'app': 'worker', 'pk_attr': 'id', 'table_description': 'Jobs enqueued on SQLite, until their task has run (SQLite only)'},
            bases=['Model'],
        ),
        ops.RunPython(install_pgqueuer, uninstall_pgqueuer),
    ]
