from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from koc.webhooks.models import DeliveryStatus


class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial'), ('events', '0001_initial')]

    initial = True

    operations = [
        ops.CreateModel(
            name='WebhookSubscription',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('url', fields.CharField(max_length=2000)),
                ('description', fields.CharField(default='', max_length=200)),
                ('event_types', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('secret', fields.CharField(max_length=100)),
                ('partner_token', fields.ForeignKeyField('core.PartnerToken', source_field='partner_token_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('staff', fields.ForeignKeyField('core.StaffUser', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('active', fields.BooleanField(default=True)),
                ('disabled_reason', fields.CharField(null=True, max_length=500)),
                ('disabled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('dispatched_position', fields.BigIntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'webhook_subscription', 'app': 'webhooks', 'pk_attr': 'id', 'table_description': 'A URL that receives the public events of some types, signed with its own secret.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('subscription', fields.ForeignKeyField('webhooks.WebhookSubscription', source_field='subscription_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('event', fields.ForeignKeyField('events.OutboxEvent', source_field='event_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=DeliveryStatus.PENDING, description='PENDING: PENDING\nSUCCEEDED: SUCCEEDED\nFAILED: FAILED', enum_type=DeliveryStatus, max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_status_code', fields.IntField(null=True)),
                ('last_error', fields.CharField(null=True, max_length=500)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'webhook_delivery', 'app': 'webhooks', 'unique_together': (('subscription', 'event'),), 'indexes': [Index(fields=['status', 'next_attempt_at'], name='webhook_delivery_due_idx')], 'pk_attr': 'id', 'table_description': 'One event to one subscription: sent until the receiver says 2xx or retries run out.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookAttempt',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('delivery', fields.ForeignKeyField('webhooks.WebhookDelivery', source_field='delivery_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('attempted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status_code', fields.IntField(null=True)),
                ('latency_ms', fields.IntField()),
                ('response_body', fields.TextField(default='', unique=False)),
                ('error', fields.CharField(null=True, max_length=500)),
                ('manual', fields.BooleanField(default=False)),
            ],
            options={'table': 'webhook_attempt', 'app': 'webhooks', 'indexes': [Index(fields=['delivery_id', 'id'], name='webhook_attempt_delivery_idx')], 'pk_attr': 'id', 'table_description': 'One HTTP request of a delivery: what the receiver answered, and how fast.'},
            bases=['Model'],
        ),
    ]
