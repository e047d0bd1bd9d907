from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.data import JSON_DUMPS
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='OutboxEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('position', fields.BigIntField(null=True, unique=True)),
                ('type', fields.CharField(max_length=64)),
                ('data', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'event_outbox', 'app': 'events', 'indexes': [Index(fields=['type', 'position'], name='event_outbox_type_position_idx')], 'pk_attr': 'id', 'table_description': 'A public event, written in the transaction of the change that caused it.'},
            bases=['Model'],
        ),
    ]
