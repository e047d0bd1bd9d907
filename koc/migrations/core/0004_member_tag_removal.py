from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from koc.members.models import TagSource


class Migration(migrations.Migration):
    dependencies = [('core', '0003_segment_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='MemberTagRemoval',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('tag', fields.ForeignKeyField('core.Tag', source_field='tag_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('source', fields.CharEnumField(description='MANUAL: MANUAL\nAUTO: AUTO\nEVENT: EVENT', enum_type=TagSource, max_length=8)),
                ('staff', fields.ForeignKeyField('core.StaffUser', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('cause', fields.CharField(default='', max_length=200)),
                ('added_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('removed_by', fields.ForeignKeyField('core.StaffUser', source_field='removed_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('reason', fields.CharField(default='', max_length=200)),
                ('removed_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'member_tag_removal', 'app': 'core', 'indexes': [Index(fields=['member_id', 'removed_at'], name='member_tag_removal_member_idx')], 'pk_attr': 'id', 'table_description': 'A tag that was on a member and came off: when it was put on, by whom and why (the'},
            bases=['Model'],
        ),
    ]
