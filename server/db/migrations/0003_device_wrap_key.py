from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('ivlog', '0002_sync_log')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Device',
            name='wrap_key',
            field=fields.CharField(default='', max_length=64),
        ),
    ]
