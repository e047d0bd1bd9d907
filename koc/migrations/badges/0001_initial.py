from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from koc.badges.models import AwardAction, AwardSource, BadgeRule, SignalKind


class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial')]

    initial = True

    operations = [
        ops.CreateModel(
            name='Badge',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=64)),
                ('family', fields.CharField(max_length=64)),
                ('level', fields.IntField(default=1)),
                ('name', fields.CharField(max_length=64)),
                ('description', fields.TextField(default='', unique=False)),
                ('image_url', fields.CharField(default='', max_length=500)),
                ('visible', fields.BooleanField(default=True, description='Shown to members before earned')),
                ('rule', fields.CharEnumField(default=BadgeRule.MANUAL, description='MANUAL: MANUAL\nREFERRALS_CONVERTED: REFERRALS_CONVERTED\nSUBMISSIONS_APPROVED: SUBMISSIONS_APPROVED\nEVENTS_ATTENDED: EVENTS_ATTENDED\nYEARS_SINCE_FIRST_ORDER: YEARS_SINCE_FIRST_ORDER\nKOC_ROLE: KOC_ROLE', enum_type=BadgeRule, max_length=32)),
                ('threshold', fields.IntField(default=0)),
                ('koc_role', fields.CharField(default='', description='KOC_ROLE rule role', max_length=32)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'badge', 'app': 'badges', 'unique_together': (('family', 'level'),), 'indexes': [Index(fields=['rule', 'active'], name='badge_rule_idx')], 'pk_attr': 'id', 'table_description': 'One level of a badge family, e.g. the silver level of the Ambassador family.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BadgeAwardEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('badge', fields.ForeignKeyField('badges.Badge', source_field='badge_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('action', fields.CharEnumField(description='AWARD: AWARD\nREVOKE: REVOKE', enum_type=AwardAction, max_length=8)),
                ('source', fields.CharEnumField(description='RULE: RULE\nSTAFF: STAFF', enum_type=AwardSource, max_length=8)),
                ('reason', fields.CharField(default='', max_length=500)),
                ('staff', fields.ForeignKeyField('core.StaffUser', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'badge_award_event', 'app': 'badges', 'indexes': [Index(fields=['member_id', 'id'], name='badge_award_event_member_idx')], 'pk_attr': 'id', 'table_description': 'Every award and revocation, with who or which rule and why.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BadgeHolding',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('badge', fields.ForeignKeyField('badges.Badge', source_field='badge_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('source', fields.CharEnumField(description='RULE: RULE\nSTAFF: STAFF', enum_type=AwardSource, max_length=8)),
                ('reason', fields.CharField(default='', max_length=500)),
                ('staff', fields.ForeignKeyField('core.StaffUser', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('awarded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'badge_holding', 'app': 'badges', 'unique_together': (('member_id', 'badge_id'),), 'indexes': [Index(fields=['badge_id', 'revoked_at'], name='badge_holding_badge_idx')], 'pk_attr': 'id', 'table_description': 'A member holding a badge: one row per (member, badge), so an award happens once.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberKocRole',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('role', fields.CharField(max_length=32)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'badge_member_koc_role', 'app': 'badges', 'unique_together': (('member_id', 'role'),), 'indexes': [Index(fields=['role', 'member_id'], name='badge_member_koc_role_role_idx')], 'pk_attr': 'id', 'table_description': 'A KOC role the member holds now (kept from koc_status_changed, none unless ACTIVE).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberSignal',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='REFERRAL_CONVERTED: REFERRAL_CONVERTED\nSUBMISSION_APPROVED: SUBMISSION_APPROVED\nEVENT_ATTENDED: EVENT_ATTENDED', enum_type=SignalKind, max_length=24)),
                ('source_key', fields.CharField(max_length=64)),
                ('subject_id', fields.BigIntField(description='What is counted distinctly, e.g. the referee')),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'badge_member_signal', 'app': 'badges', 'unique_together': (('member_id', 'kind', 'source_key'),), 'indexes': [Index(fields=['kind', 'member_id'], name='badge_member_signal_kind_idx')], 'pk_attr': 'id', 'table_description': 'One counted fact (a converted referral, an approved submission, an attended event).'},
            bases=['Model'],
        ),
    ]
