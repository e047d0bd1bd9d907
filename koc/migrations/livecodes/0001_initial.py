from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from koc.livecodes.models import ArrivalSource, LiveCodeKind


class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial')]

    initial = True

    operations = [
        ops.CreateModel(
            name='LiveCode',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('slug', fields.CharField(unique=True, description='The /c/{slug} URL part', max_length=32)),
                ('name', fields.CharField(max_length=64)),
                ('kind', fields.CharEnumField(description='GROUP: GROUP\nADVISOR: ADVISOR\nMINI_PROGRAM: MINI_PROGRAM', enum_type=LiveCodeKind, max_length=16)),
                ('channel', fields.CharField(description='poster, store, event, koc_share...', max_length=32)),
                ('tag_ids', fields.JSONField(default=list, description='Tags added to whoever arrives', encoder=JSON_DUMPS, decoder=loads)),
                ('owner_member', fields.ForeignKeyField('core.Member', source_field='owner_member_id', null=True, description='The KOC whose code it is', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('low_targets', fields.IntField(default=1, description='Warn when fewer usable targets remain')),
                ('warned_low', fields.BooleanField(default=False, description='Running low was announced')),
                ('page', fields.CharField(default='', max_length=200)),
                ('url_link', fields.CharField(default='', max_length=200)),
                ('url_link_expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('wecom_config_id', fields.CharField(default='', max_length=64)),
                ('wecom_qr_code', fields.CharField(default='', max_length=500)),
                ('active', fields.BooleanField(default=True)),
                ('created_by', fields.ForeignKeyField('core.StaffUser', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'live_code', 'app': 'livecodes', 'indexes': [Index(fields=['kind', 'id'], name='live_code_kind_idx')], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LiveCodeAdvisor',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('live_code', fields.ForeignKeyField('livecodes.LiveCode', source_field='live_code_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('wecom_userid', fields.CharField(max_length=64)),
                ('staff', fields.ForeignKeyField('core.StaffUser', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'live_code_advisor', 'app': 'livecodes', 'unique_together': (('live_code_id', 'wecom_userid'),), 'pk_attr': 'id', 'table_description': 'An advisor of an ADVISOR code: their WeCom userid, and their koc staff account.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LiveCodeArrival',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('live_code', fields.ForeignKeyField('livecodes.LiveCode', source_field='live_code_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('source', fields.CharEnumField(description='LOGIN: LOGIN\nWECOM: WECOM', enum_type=ArrivalSource, max_length=8)),
                ('member_created', fields.BooleanField(default=False)),
                ('referral_bound', fields.BooleanField(default=False)),
                ('advisor_userid', fields.CharField(default='', max_length=64)),
                ('arrived_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'live_code_arrival', 'app': 'livecodes', 'unique_together': (('live_code_id', 'member_id'),), 'indexes': [Index(fields=['live_code_id', 'arrived_at'], name='live_code_arrival_idx')], 'pk_attr': 'id', 'table_description': 'A member who came through a code (once per member and code).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LiveCodeScanCount',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('live_code', fields.ForeignKeyField('livecodes.LiveCode', source_field='live_code_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('target_id', fields.IntField(default=0)),
                ('hour', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('scans', fields.IntField(default=0)),
            ],
            options={'table': 'live_code_scan_count', 'app': 'livecodes', 'unique_together': (('live_code_id', 'hour', 'target_id'),), 'pk_attr': 'id', 'table_description': "Scans of a code's page in one UTC hour, per target served (0 when none)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LiveCodeTarget',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('live_code', fields.ForeignKeyField('livecodes.LiveCode', source_field='live_code_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField()),
                ('label', fields.CharField(default='', max_length=64)),
                ('image_url', fields.CharField(default='', max_length=500)),
                ('image_type', fields.CharField(default='', description='of an uploaded image', max_length=32)),
                ('image_data', fields.BinaryField(null=True, description='An uploaded image')),
                ('capacity', fields.IntField(default=200)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('served', fields.IntField(default=0, description='Scanners sent to it')),
                ('warned_expiring', fields.BooleanField(default=False)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'live_code_target', 'app': 'livecodes', 'indexes': [Index(fields=['live_code_id', 'position'], name='live_code_target_code_idx')], 'pk_attr': 'id', 'table_description': 'A group QR image a GROUP code serves until it is full or expires.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WeComContact',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('external_userid', fields.CharField(unique=True, max_length=64)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'live_code_wecom_contact', 'app': 'livecodes', 'pk_attr': 'id', 'table_description': 'The WeCom external contact of a member, learned from an add-contact callback.'},
            bases=['Model'],
        ),
    ]
