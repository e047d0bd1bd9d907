import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from koc.auth.models import StaffRole
from koc.members.models import Gender, StageAutoRule, TagFamily, TagSource
from koc.orders.models import MemberEventKind, OrderStatus


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='LifecycleStage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=64)),
                ('position', fields.IntField()),
                ('auto_rule', fields.CharEnumField(null=True, unique=True, description='FIRST_ORDER: FIRST_ORDER\nREPEAT_ORDER: REPEAT_ORDER\nKOC: KOC', enum_type=StageAutoRule, max_length=16)),
                ('description', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'lifecycle_stage', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Member',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('unionid', fields.CharField(null=True, unique=True, max_length=64)),
                ('phone', fields.CharField(null=True, unique=True, max_length=20)),
                ('nickname', fields.CharField(default='', max_length=64)),
                ('avatar_url', fields.CharField(default='', max_length=500)),
                ('gender', fields.CharEnumField(default=Gender.UNKNOWN, description='UNKNOWN: UNKNOWN\nMALE: MALE\nFEMALE: FEMALE', enum_type=Gender, max_length=8)),
                ('birthday', fields.DateField(null=True)),
                ('region', fields.CharField(default='', max_length=64)),
                ('source_channel', fields.CharField(default='', max_length=64)),
                ('stage', fields.ForeignKeyField('core.LifecycleStage', source_field='stage_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('order_count', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_active_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'member', 'app': 'core', 'indexes': [Index(fields=['created_at'], name='member_created_idx'), Index(fields=['last_active_at'], name='member_active_idx'), Index(fields=['stage_id', 'id'], name='member_stage_idx')], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberIdentity',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='identities', on_delete=OnDelete.CASCADE)),
                ('appid', fields.CharField(max_length=64)),
                ('openid', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'member_identity', 'app': 'core', 'unique_together': (('appid', 'openid'),), 'indexes': [Index(fields=['openid'], name='member_identity_openid_idx')], 'pk_attr': 'id', 'table_description': 'The openid of a member in one WeChat app. The unionid ties the apps of one brand together.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffUser',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('username', fields.CharField(unique=True, max_length=64)),
                ('password_hash', fields.CharField(max_length=255)),
                ('role', fields.CharEnumField(description='ADMIN: ADMIN\nOPERATOR: OPERATOR\nANALYST: ANALYST', enum_type=StaffRole, max_length=16)),
                ('is_active', fields.BooleanField(default=True)),
                ('failed_login_count', fields.IntField(default=0)),
                ('locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_login_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'staff_user', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('staff', fields.ForeignKeyField('core.StaffUser', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('actor', fields.CharField(max_length=100)),
                ('action', fields.CharField(max_length=64)),
                ('object_type', fields.CharField(max_length=64)),
                ('object_id', fields.CharField(null=True, max_length=64)),
                ('before', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('after', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'audit_entry', 'app': 'core', 'indexes': [Index(fields=['created_at'], name='audit_entry_created_idx'), Index(fields=['action', 'created_at'], name='audit_entry_action_idx')], 'pk_attr': 'id', 'table_description': 'Who changed what, when, with the state of the object before and after.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PartnerToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=100)),
                ('prefix', fields.CharField(max_length=16)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('scopes', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_by', fields.ForeignKeyField('core.StaffUser', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'partner_token', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('core.PartnerToken', source_field='partner_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('external_id', fields.CharField(max_length=64)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='TEST_DRIVE: TEST_DRIVE\nEVENT_ATTENDED: EVENT_ATTENDED\nCONTENT_POSTED: CONTENT_POSTED\nARTICLE_READ: ARTICLE_READ\nDEPOSIT_PAID: DEPOSIT_PAID\nSTORE_VISIT: STORE_VISIT\nCOMPLAINT: COMPLAINT', enum_type=MemberEventKind, max_length=20)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'member_event', 'app': 'core', 'unique_together': (('partner_id', 'external_id'),), 'indexes': [Index(fields=['member_id', 'kind'], name='member_event_member_idx')], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Order',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('core.PartnerToken', source_field='partner_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('external_id', fields.CharField(max_length=64)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('amount_cents', fields.BigIntField()),
                ('refunded_cents', fields.BigIntField(default=0)),
                ('currency', fields.CharField(max_length=3)),
                ('category', fields.CharField(max_length=64)),
                ('status', fields.CharEnumField(default=OrderStatus.PAID, description='PAID: PAID\nPARTIALLY_REFUNDED: PARTIALLY_REFUNDED\nREFUNDED: REFUNDED', enum_type=OrderStatus, max_length=20)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'order', 'app': 'core', 'unique_together': (('partner_id', 'external_id'),), 'indexes': [Index(fields=['member_id', 'occurred_at'], name='order_member_idx'), Index(fields=['occurred_at'], name='order_occurred_idx')], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RefreshToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('family_id', fields.UUIDField()),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('staff', fields.ForeignKeyField('core.StaffUser', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('rotated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'refresh_token', 'app': 'core', 'indexes': [Index(fields=['family_id'], name='refresh_token_family_idx')], 'pk_attr': 'id', 'table_description': 'One refresh token of a rotation family. Only its hash is stored.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Refund',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('core.PartnerToken', source_field='partner_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('external_id', fields.CharField(max_length=64)),
                ('order', fields.ForeignKeyField('core.Order', source_field='order_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('amount_cents', fields.BigIntField()),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'refund', 'app': 'core', 'unique_together': (('partner_id', 'external_id'),), 'indexes': [Index(fields=['order_id'], name='refund_order_idx')], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StageTransition',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('from_stage', fields.ForeignKeyField('core.LifecycleStage', source_field='from_stage_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('to_stage', fields.ForeignKeyField('core.LifecycleStage', source_field='to_stage_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('staff', fields.ForeignKeyField('core.StaffUser', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('reason', fields.CharField(default='', max_length=500)),
                ('automatic', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'stage_transition', 'app': 'core', 'indexes': [Index(fields=['member_id', 'created_at'], name='stage_transition_member_idx')], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TagGroup',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=64)),
                ('family', fields.CharEnumField(description='SOCIAL: SOCIAL\nCONSUMPTION: CONSUMPTION\nBEHAVIOR: BEHAVIOR\nTIER: TIER', enum_type=TagFamily, max_length=16)),
                ('exclusive', fields.BooleanField(default=False)),
                ('description', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'tag_group', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Tag',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('core.TagGroup', source_field='group_id', db_constraint=True, to_field='id', related_name='tags', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=64)),
                ('member_visible', fields.BooleanField(default=False)),
                ('description', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'tag', 'app': 'core', 'unique_together': (('group_id', 'name'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberTag',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('tag', fields.ForeignKeyField('core.Tag', source_field='tag_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('source', fields.CharEnumField(description='MANUAL: MANUAL\nAUTO: AUTO\nEVENT: EVENT', enum_type=TagSource, max_length=8)),
                ('staff', fields.ForeignKeyField('core.StaffUser', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('cause', fields.CharField(default='', max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'member_tag', 'app': 'core', 'unique_together': (('member_id', 'tag_id'),), 'indexes': [Index(fields=['tag_id', 'member_id'], name='member_tag_tag_idx')], 'pk_attr': 'id', 'table_description': 'One tag on one member, with where it came from.'},
            bases=['Model'],
        ),
    ]
