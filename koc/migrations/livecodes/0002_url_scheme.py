from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

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
