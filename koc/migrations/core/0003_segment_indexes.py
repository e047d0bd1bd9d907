from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('core', '0002_member_owner')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Member',
            index=Index(fields=['region'], name='member_region_idx'),
        ),
        ops.AddIndex(
            model_name='Member',
            index=Index(fields=['source_channel'], name='member_channel_idx'),
        ),
        ops.AddIndex(
            model_name='MemberEvent',
            index=Index(fields=['kind', 'occurred_at', 'member_id'], name='member_event_kind_idx'),
        ),
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['category', 'occurred_at'], name='order_category_idx'),
        ),
    ]
