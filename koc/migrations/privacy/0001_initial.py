from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from koc.privacy.models import AccessField, ErasureChannel, ErasureStatus


class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial')]

    initial = True

    operations = [
        ops.CreateModel(
            name='AccessRecord',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('field', fields.CharEnumField(description='PHONE: PHONE\nUNIONID: UNIONID\nDATA_EXPORT: DATA_EXPORT', enum_type=AccessField, max_length=16)),
                ('reason', fields.CharField(max_length=200)),
                ('staff', fields.ForeignKeyField('core.StaffUser', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('partner', fields.ForeignKeyField('core.PartnerToken', source_field='partner_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('actor', fields.CharField(description='Staff username or partner name', max_length=100)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'privacy_access_record', 'app': 'privacy', 'indexes': [Index(fields=['created_at'], name='privacy_access_created_idx'), Index(fields=['member_id', 'created_at'], name='privacy_access_member_idx')], 'pk_attr': 'id', 'table_description': 'One read of the unmasked phone or unionid of a member, or an export of their data.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ErasureRequest',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(description='PENDING: PENDING\nCANCELLED: CANCELLED\nDONE: DONE', enum_type=ErasureStatus, max_length=16)),
                ('channel', fields.CharEnumField(description='MEMBER: MEMBER\nSTAFF: STAFF\nRETENTION: RETENTION', enum_type=ErasureChannel, max_length=16)),
                ('staff', fields.ForeignKeyField('core.StaffUser', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('reason', fields.CharField(default='', max_length=500)),
                ('requested_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('erased_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'privacy_erasure_request', 'app': 'privacy', 'indexes': [Index(fields=['status', 'due_at'], name='privacy_erasure_due_idx'), Index(fields=['member_id', 'requested_at'], name='privacy_erasure_member_idx')], 'pk_attr': 'id', 'table_description': 'A request to erase a member, its cooling-off period and its outcome.'},
            bases=['Model'],
        ),
    ]
