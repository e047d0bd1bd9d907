from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from koc.auth.models import StaffRole


class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Member',
            name='owned_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Member',
            name='owner',
            field=fields.ForeignKeyField('core.StaffUser', source_field='owner_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL),
        ),
        ops.AddIndex(
            model_name='Member',
            index=Index(fields=['owner_id', 'id'], name='member_owner_idx'),
        ),
        ops.AlterField(
            model_name='StaffUser',
            name='role',
            field=fields.CharEnumField(description='ADMIN: ADMIN\nOPERATOR: OPERATOR\nANALYST: ANALYST\nADVISOR: ADVISOR', enum_type=StaffRole, max_length=16),
        ),
    ]
