from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial')]

    initial = True

    operations = [
        ops.CreateModel(
            name='Segment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=64)),
                ('description', fields.TextField(default='', unique=False)),
                ('rule', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('staff', fields.ForeignKeyField('core.StaffUser', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'segment', 'app': 'segments', 'indexes': [Index(fields=['created_at', 'id'], name='segment_created_idx')], 'pk_attr': 'id', 'table_description': 'A named rule over member facts (koc.segments.rules, stored in its JSON form).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SegmentSnapshot',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('segment', fields.ForeignKeyField('segments.Segment', source_field='segment_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('used_for', fields.CharField(description='What used it, e.g. survey:12', max_length=64)),
                ('member_count', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'segment_snapshot', 'app': 'segments', 'indexes': [Index(fields=['segment_id', 'id'], name='segment_snapshot_segment_idx'), Index(fields=['used_for'], name='segment_snapshot_used_idx')], 'pk_attr': 'id', 'table_description': 'Who a segment held at the moment something used it (a survey invitation, a'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SegmentSnapshotMember',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('snapshot', fields.ForeignKeyField('segments.SegmentSnapshot', source_field='snapshot_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('core.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'segment_snapshot_member', 'app': 'segments', 'unique_together': (('snapshot_id', 'member_id'),), 'indexes': [Index(fields=['member_id'], name='segment_snapshot_member_idx')], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StageRule',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event_kind', fields.CharField(max_length=20)),
                ('stage', fields.ForeignKeyField('core.LifecycleStage', source_field='stage_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('segment', fields.ForeignKeyField('segments.Segment', source_field='segment_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('allow_backward', fields.BooleanField(default=False)),
                ('active', fields.BooleanField(default=True)),
                ('staff', fields.ForeignKeyField('core.StaffUser', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'segment_stage_rule', 'app': 'segments', 'unique_together': (('event_kind', 'stage_id'),), 'indexes': [Index(fields=['event_kind', 'active'], name='segment_stage_rule_kind_idx')], 'pk_attr': 'id', 'table_description': 'A member event of ``event_kind`` moves the member to ``stage`` (forward only unless'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TagRule',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('segment', fields.ForeignKeyField('segments.Segment', source_field='segment_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('tag', fields.ForeignKeyField('core.Tag', source_field='tag_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('active', fields.BooleanField(default=True)),
                ('staff', fields.ForeignKeyField('core.StaffUser', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'segment_tag_rule', 'app': 'segments', 'unique_together': (('segment_id', 'tag_id'),), 'indexes': [Index(fields=['tag_id'], name='segment_tag_rule_tag_idx')], 'pk_attr': 'id', 'table_description': 'Members matching the segment carry the tag (source AUTO, cause ``tagRule:<id>``), and it'},
            bases=['Model'],
        ),
    ]
