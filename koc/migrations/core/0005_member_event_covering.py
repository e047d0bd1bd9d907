from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """Segment rules on member events count a member's events of a kind in a time window; with
    occurred_at in the (member_id, kind) index that count reads the index alone, and with
    planner statistics SQLite does choose this index for it (it replaces the narrower one)."""

    dependencies = [('core', '0004_member_tag_removal')]

    initial = False

    operations = [
        ops.RemoveIndex(model_name='MemberEvent', name='member_event_member_idx'),
        ops.AddIndex(
            model_name='MemberEvent',
            index=Index(
                fields=['member_id', 'kind', 'occurred_at'], name='member_event_member_kind_idx'
            ),
        ),
    ]
