"""Migration operations of our own, shared by the migrations that need them."""

from tortoise.migrations import operations as ops


class AddNullableColumn(ops.AddField):
    """`AddField` whose reverse drops the column in place (`ALTER TABLE ... DROP COLUMN`, SQLite 3.35+ and
    PostgreSQL) instead of rebuilding the table: Tortoise's own way on SQLite drops the table, and with
    foreign keys on that deletes every row pointing at it (ON DELETE CASCADE)."""

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if not state_editor:
            return
        table = old_state.apps.get_model(f"{app_label}.{self.model_name}")._meta.db_table
        await state_editor._run_sql(f'ALTER TABLE "{table}" DROP COLUMN "{self.name}"')


class NewEnumMember(ops.AlterField):
    """`AlterField` for an enum field that gains a member: the column (a VARCHAR of the same length) does not
    change, only the field's description in the migration state. Tortoise's own way on SQLite rebuilds the
    table, deleting every row pointing at it, so nothing is run on either database, either way."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None
