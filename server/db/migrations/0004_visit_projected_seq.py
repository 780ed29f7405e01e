from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('ivlog', '0003_device_wrap_key')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Visit',
            name='projected_seq',
            field=fields.BigIntField(default=0),
        ),
    ]
