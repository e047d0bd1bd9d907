from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from koc.consent.models import ConsentChannel, Purpose


class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial')]

    initial = True

    operations = [
        ops.CreateModel(
            name='PrivacyPolicy',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('version', fields.CharField(unique=True, max_length=32)),
                ('url', fields.CharField(max_length=500)),
                ('summary', fields.TextField(default='', unique=False)),
                ('reconsent_required', fields.BooleanField(default=False, description='Grants under earlier versions lapse')),
                ('published_by', fields.ForeignKeyField('core.StaffUser', source_field='published_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('published_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'privacy_policy', 'app': 'consent', 'pk_attr': 'id', 'table_description': 'One published version of the privacy policy of the brand. The newest is the current one.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ConsentDecision',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('purpose', fields.CharEnumField(description='MARKETING: MARKETING\nPROFILING: PROFILING\nSHARING: SHARING', enum_type=Purpose, max_length=16)),
                ('granted', fields.BooleanField()),
                ('policy', fields.ForeignKeyField('consent.PrivacyPolicy', source_field='policy_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharEnumField(description='MINI_PROGRAM: MINI_PROGRAM\nERASURE: ERASURE', enum_type=ConsentChannel, max_length=16)),
                ('decided_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'privacy_consent_decision', 'app': 'consent', 'indexes': [Index(fields=['member_id', 'purpose', 'id'], name='privacy_decision_member_idx')], 'pk_attr': 'id', 'table_description': 'Every decision a member made, with the policy version, time and channel: the evidence.'},
            bases=['Model'],
        ),
    ]
