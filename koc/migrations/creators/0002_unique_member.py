from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint


class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial'), ('creators', '0001_initial')]

    initial = False

    operations = [
        ops.AddConstraint(
            model_name='KocProfile',
            constraint=UniqueConstraint(fields=('member_id',), name='koc_profile_member_uniq'),
        ),
        ops.AddConstraint(
            model_name='MemberSignals',
            constraint=UniqueConstraint(fields=('member_id',), name='koc_signals_member_uniq'),
        ),
    ]
