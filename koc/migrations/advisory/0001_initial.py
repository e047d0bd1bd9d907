from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from koc.advisory.models import FollowUpChannel, OwnerChangeReason, SalesStep


class Migration(migrations.Migration):
    dependencies = [('core', '0002_member_owner')]

    initial = True

    operations = [
        ops.CreateModel(
            name='AdvisorRoute',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('advisor', fields.ForeignKeyField('core.StaffUser', source_field='advisor_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharField(default='', max_length=64)),
                ('region', fields.CharField(default='', max_length=64)),
                ('last_assigned_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'advisor_route', 'app': 'advisory', 'unique_together': (('advisor_id', 'channel', 'region'),), 'pk_attr': 'id', 'table_description': 'New members from this channel and/or region go round-robin to the advisors routed'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FollowUp',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('advisor', fields.ForeignKeyField('core.StaffUser', source_field='advisor_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharEnumField(description='WECOM_CHAT: WECOM_CHAT\nPHONE: PHONE\nSTORE_VISIT: STORE_VISIT\nTEST_DRIVE: TEST_DRIVE\nHOME_VISIT: HOME_VISIT\nOTHER: OTHER', enum_type=FollowUpChannel, max_length=16)),
                ('step', fields.CharEnumField(description='VALUE_ICEBREAKING: VALUE_ICEBREAKING\nNEEDS_DISCOVERY: NEEDS_DISCOVERY\nNEEDS_REINFORCEMENT: NEEDS_REINFORCEMENT\nSOLUTION: SOLUTION\nOBJECTION_HANDLING: OBJECTION_HANDLING\nTIME_LIMITED_OFFER: TIME_LIMITED_OFFER\nVALUE_DELIVERY: VALUE_DELIVERY', enum_type=SalesStep, max_length=24)),
                ('note', fields.TextField(default='', unique=False)),
                ('next_action', fields.CharField(default='', max_length=200)),
                ('next_action_due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'follow_up', 'app': 'advisory', 'indexes': [Index(fields=['member_id', 'id'], name='follow_up_member_idx'), Index(fields=['advisor_id', 'next_action_due_at'], name='follow_up_due_idx')], 'pk_attr': 'id', 'table_description': 'One contact of an advisor with a member, and optionally the next action it calls for.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OwnerChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('from_staff', fields.ForeignKeyField('core.StaffUser', source_field='from_staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('to_staff', fields.ForeignKeyField('core.StaffUser', source_field='to_staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('by_staff', fields.ForeignKeyField('core.StaffUser', source_field='by_staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('reason', fields.CharEnumField(description='ASSIGN: ASSIGN\nROUND_ROBIN: ROUND_ROBIN\nREFERRER: REFERRER\nCLAIM: CLAIM\nRELEASE: RELEASE\nPOOL_TIMEOUT: POOL_TIMEOUT\nHANDOVER: HANDOVER', enum_type=OwnerChangeReason, max_length=16)),
                ('note', fields.CharField(default='', max_length=200)),
                ('followups_moved', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'owner_change', 'app': 'advisory', 'indexes': [Index(fields=['member_id', 'id'], name='owner_change_member_idx')], 'pk_attr': 'id', 'table_description': "One change of a member's owner advisor: from, to, who, why, when."},
            bases=['Model'],
        ),
    ]
