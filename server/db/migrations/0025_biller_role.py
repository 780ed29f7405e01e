"""The biller: a role that reads the payer proof of signed-off visits (server.routes.payer). `user.role`
stays a VARCHAR(16); only the field's description in the migration state gains BILLER, so nothing runs on
the database either way (`NewEnumMember`: Tortoise's own AlterField would rebuild the user table on SQLite
and delete every row pointing at a user)."""

from tortoise import fields, migrations

from server.db.migration_ops import NewEnumMember
from server.db.models import Role


class Migration(migrations.Migration):
    dependencies = [("ivlog", "0024_visit_handover")]

    initial = False

    operations = [
        NewEnumMember(
            model_name="User",
            name="role",
            field=fields.CharEnumField(description="NURSE: nurse\nPHARMACIST: pharmacist\nPHYSICIAN: physician\n"
                                                   "ADMIN: admin\nBILLER: biller", enum_type=Role, max_length=16),
        ),
    ]
