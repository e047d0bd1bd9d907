import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from koc.privileges.models import (
    Channel,
    EligibilityMatch,
    GrantSource,
    GrantStatus,
    PrivilegeKind,
    QuotaPeriod,
    RedeemedVia,
    RsvpStatus,
)


class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial')]

    initial = True

    operations = [
        ops.CreateModel(
            name='Privilege',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=64)),
                ('name', fields.CharField(max_length=64)),
                ('description', fields.TextField(default='', unique=False)),
                ('kind', fields.CharEnumField(description='DISCOUNT: DISCOUNT\nAFTER_SALES: AFTER_SALES\nGIFT: GIFT\nEVENT: EVENT\nTICKET: TICKET\nSERVICE: SERVICE\nOTHER: OTHER', enum_type=PrivilegeKind, max_length=16)),
                ('match', fields.CharEnumField(default=EligibilityMatch.ANY, description='ANY: ANY\nALL: ALL', enum_type=EligibilityMatch, max_length=8)),
                ('koc_roles', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('stages', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('badges', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('tag_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('starts_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('total_stock', fields.IntField(null=True)),
                ('remaining_stock', fields.IntField(null=True)),
                ('quota', fields.IntField(default=1)),
                ('quota_period', fields.CharEnumField(default=QuotaPeriod.LIFETIME, description='MONTH: MONTH\nYEAR: YEAR\nLIFETIME: LIFETIME', enum_type=QuotaPeriod, max_length=8)),
                ('channel', fields.CharEnumField(default=Channel.BOTH, description='ONLINE: ONLINE\nSTORE: STORE\nBOTH: BOTH', enum_type=Channel, max_length=8)),
                ('grant_days', fields.IntField(null=True, description='Days a grant lasts, null for the window')),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'privilege', 'app': 'privileges', 'indexes': [Index(fields=['kind', 'id'], name='privilege_kind_idx'), Index(fields=['active', 'id'], name='privilege_active_idx')], 'pk_attr': 'id', 'table_description': 'An exclusive right. Eligibility lists are conditions combined by ``match``. A privilege'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PrivilegeGrant',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('privilege', fields.ForeignKeyField('privileges.Privilege', source_field='privilege_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=GrantStatus.ACTIVE, description='ACTIVE: ACTIVE\nREDEEMED: REDEEMED\nEXPIRED: EXPIRED\nREVOKED: REVOKED', enum_type=GrantStatus, max_length=8)),
                ('source', fields.CharEnumField(description='AUTO: AUTO\nMANUAL: MANUAL', enum_type=GrantSource, max_length=8)),
                ('reason', fields.CharField(default='', max_length=500)),
                ('staff', fields.ForeignKeyField('core.StaffUser', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('granted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('redeemed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('withdrawn', fields.BooleanField(default=False)),
            ],
            options={'table': 'privilege_grant', 'app': 'privileges', 'unique_together': (('member_id', 'privilege_id'),), 'indexes': [Index(fields=['privilege_id', 'status', 'member_id'], name='privilege_grant_status_idx'), Index(fields=['privilege_id', 'granted_at'], name='privilege_grant_granted_idx'), Index(fields=['status', 'expires_at'], name='privilege_grant_expiry_idx')], 'pk_attr': 'id', 'table_description': 'The right of a member to a privilege: one row per (member, privilege).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PrivilegeRedemption',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('grant', fields.ForeignKeyField('privileges.PrivilegeGrant', source_field='grant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('privilege', fields.ForeignKeyField('privileges.Privilege', source_field='privilege_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('idempotency_key', fields.CharField(max_length=100)),
                ('channel', fields.CharEnumField(description='ONLINE: ONLINE\nSTORE: STORE\nBOTH: BOTH', enum_type=Channel, max_length=8)),
                ('via', fields.CharEnumField(description='MEMBER: MEMBER\nSTAFF: STAFF\nPARTNER: PARTNER', enum_type=RedeemedVia, max_length=8)),
                ('staff', fields.ForeignKeyField('core.StaffUser', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('partner', fields.ForeignKeyField('core.PartnerToken', source_field='partner_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('period_key', fields.CharField(max_length=8)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'privilege_redemption', 'app': 'privileges', 'unique_together': (('member_id', 'idempotency_key'),), 'indexes': [Index(fields=['privilege_id', 'created_at'], name='privilege_redemption_priv_idx'), Index(fields=['grant_id'], name='privilege_redemption_grant_idx')], 'pk_attr': 'id', 'table_description': 'One use of a privilege. ``idempotency_key`` is unique per member: a retried or'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PrivilegeRsvp',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('grant', fields.ForeignKeyField('privileges.PrivilegeGrant', source_field='grant_id', unique=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('privilege', fields.ForeignKeyField('privileges.Privilege', source_field='privilege_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(description='RESERVED: RESERVED\nCANCELLED: CANCELLED\nCHECKED_IN: CHECKED_IN', enum_type=RsvpStatus, max_length=12)),
                ('reserved_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('checked_in_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'privilege_rsvp', 'app': 'privileges', 'indexes': [Index(fields=['privilege_id', 'status'], name='privilege_rsvp_status_idx')], 'pk_attr': 'id', 'table_description': 'A seat at an EVENT or TICKET privilege, one per grant.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PrivilegeUsage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('privilege', fields.ForeignKeyField('privileges.Privilege', source_field='privilege_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('period_key', fields.CharField(max_length=8)),
                ('used', fields.IntField(default=0)),
            ],
            options={'table': 'privilege_usage', 'app': 'privileges', 'unique_together': (('member_id', 'privilege_id', 'period_key'),), 'pk_attr': 'id', 'table_description': 'Uses of a privilege by a member in one quota period. The quota check is a conditional'},
            bases=['Model'],
        ),
    ]
