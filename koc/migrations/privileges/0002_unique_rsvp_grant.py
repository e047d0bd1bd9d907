from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint


class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial'), ('privileges', '0001_initial')]

    initial = False

    operations = [
        ops.AddConstraint(
            model_name='PrivilegeRsvp',
            constraint=UniqueConstraint(fields=('grant_id',), name='privilege_rsvp_grant_uniq'),
        ),
    ]
