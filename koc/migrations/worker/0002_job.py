from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from koc.worker.models import JobStatus


class Migration(migrations.Migration):
    dependencies = [('worker', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Job',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(description='The task that does the work', max_length=100)),
                ('status', fields.CharEnumField(default=JobStatus.QUEUED, description='QUEUED: QUEUED\nRUNNING: RUNNING\nDONE: DONE\nFAILED: FAILED', enum_type=JobStatus, max_length=8)),
                ('done', fields.IntField(default=0, description='Units of work finished')),
                ('total', fields.IntField(null=True, description='Units of work expected, once known')),
                ('summary', fields.TextField(default='', description='What the job did, once DONE', unique=False)),
                ('error', fields.TextField(default='', description='Why it FAILED', unique=False)),
                ('staff_id', fields.IntField(null=True, description='The staff member who started it')),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'worker_job', 'app': 'worker', 'pk_attr': 'id', 'table_description': 'Long work started by a mutation: status, progress, result'},
            bases=['Model'],
        ),
    ]
