"""Each organization keeps its own revisions of the catalogue rows (issue #17 item 4): a pharmacist's edit or
verification appends a whole row, the packaged products.json stays the default underneath."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from server.db.catalogue_models import RevisionKind
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [("ivlog", "0016_order_safety")]

    initial = False

    operations = [
        ops.CreateModel(
            name='CatalogueRevision',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('ivlog.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='catalogue_revisions', on_delete=OnDelete.CASCADE)),
                ('protocol_id', fields.CharField(max_length=64)),
                ('number', fields.IntField()),
                ('kind', fields.CharEnumField(description='EDIT: edit\nVERIFY: verify', enum_type=RevisionKind, max_length=8)),
                ('row', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('reason', fields.TextField(unique=False)),
                ('author', fields.ForeignKeyField('ivlog.User', source_field='author_id', db_constraint=True, to_field='id', related_name='catalogue_revisions', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('verified_on', fields.DateField(null=True)),
            ],
            options={'table': 'catalogue_revision', 'app': 'ivlog', 'unique_together': (('organization', 'protocol_id', 'number'),), 'pk_attr': 'id', 'table_description': 'One protocol row of one organization as a pharmacist left it. Append-only.'},
            bases=['Model'],
        ),
    ]
