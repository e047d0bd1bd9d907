from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial'), ('livecodes', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='LiveCode',
            name='url_scheme',
            field=fields.CharField(default='', max_length=200),
        ),
    ]
