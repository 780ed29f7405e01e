"""A visit may hold more than one order (issue #18 item 3): its primary stays `visit.order`; each
additional order (a pre-hydration, a second product) is a `visit_order` row, in the pharmacist's order."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("ivlog", "0019_therapy")]

    initial = False

    operations = [
        ops.CreateModel(
            name='VisitOrder',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('visit', fields.ForeignKeyField('ivlog.Visit', source_field='visit_id', db_constraint=True, to_field='id', related_name='other_orders', on_delete=OnDelete.CASCADE)),
                ('order', fields.ForeignKeyField('ivlog.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='visit_orders', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField()),
            ],
            options={'table': 'visit_order', 'app': 'ivlog', 'unique_together': (('visit', 'order'),), 'pk_attr': 'id', 'table_description': 'An additional order a visit holds besides its primary `Visit.order` (a pre-hydration before the'},
            bases=['Model'],
        ),
    ]
