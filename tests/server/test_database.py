"""The database layer: migrations match the models, start-up checks refuse unsafe states,
and SQLite write transactions take the lock up front (DESIGN section 8)."""

from __future__ import annotations

import sqlite3
import uuid

import pytest
from tortoise.connection import get_connection
from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from server.db import schema
from server.db.config import APP_LABEL, is_sqlite, sqlite_path, tortoise_config
from server.db.models import Organization
from tests.databases import on_postgres

sqlite_only = pytest.mark.skipif(on_postgres(), reason="SQLite-specific pragmas and locking")


async def test_checked_in_migrations_match_the_models(tmp_path):
    config = tortoise_config(f"sqlite://{tmp_path / 'detect.sqlite3'}")
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        changes = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    assert not changes, "models changed without a migration: run `make migrations`"


async def test_start_up_refuses_a_database_migrated_by_a_newer_ivlog(app, settings):
    await get_connection("default").execute_query(
        "INSERT INTO tortoise_migrations (app, name, applied_at) VALUES "
        + ("($1, $2, now())" if on_postgres() else "(?, ?, datetime('now'))"),
        [APP_LABEL, "9999_from_the_future"],
    )
    with pytest.raises(schema.DatabaseNotReady, match="newer version of ivlog"):
        await schema.check_ready(settings.database_url)
    with pytest.raises(schema.DatabaseNotReady, match="9999_from_the_future"):
        await schema.migrate(settings.database_url)


@sqlite_only
async def test_sqlite_runs_with_wal_full_sync_busy_timeout_and_foreign_keys(app):
    connection = get_connection("default")
    values = {}
    for pragma in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys"):
        row = (await connection.execute_query_dict(f"PRAGMA {pragma}"))[0]
        values[pragma] = next(iter(row.values()))
    assert values == {"journal_mode": "wal", "synchronous": 2, "busy_timeout": 10000, "foreign_keys": 1}


@sqlite_only
async def test_start_up_check_names_a_wrong_pragma(app):
    await get_connection("default").execute_query("PRAGMA synchronous=NORMAL")
    with pytest.raises(schema.DatabaseNotReady, match="synchronous=1"):
        await schema.check_sqlite_pragmas()


@sqlite_only
async def test_write_transaction_takes_the_write_lock_at_begin(app, settings):
    """BEGIN IMMEDIATE: while our transaction is open, another process cannot start writing."""
    from tortoise.transactions import in_transaction

    assert is_sqlite(settings.database_url)
    other = sqlite3.connect(sqlite_path(settings.database_url), timeout=0.1)
    try:
        async with in_transaction():
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again once we committed
        other.rollback()
    finally:
        other.close()


async def test_foreign_keys_are_enforced(app):
    from tortoise.exceptions import IntegrityError

    from server.db.models import User

    with pytest.raises(IntegrityError):
        await User.create(organization_id=999_999, username="ghost", display_name="G", role="nurse", password_hash="x")
    assert await Organization.all().count() == 0


def test_no_model_docstring_holds_a_semicolon():
    """Tortoise uses a model's docstring as its table comment and splits DDL on ';'."""
    from tortoise.models import Model

    import server.db.models
    import sync.models

    modules = [server.db.models, sync.models]
    try:
        import server.db.review_models

        modules.append(server.db.review_models)
    except ImportError:
        pass
    offenders = [
        f"{module.__name__}.{name}"
        for module in modules
        for name, value in vars(module).items()
        if isinstance(value, type) and issubclass(value, Model) and value is not Model and ";" in (value.__doc__ or "")
    ]
    assert not offenders, f"remove ';' from these docstrings (they become SQL comments): {offenders}"


async def test_migration_0006_keeps_every_quarantined_submission(tmp_path):
    """A quarantine row written under 0005 (a JSON column) survives the move to `sent_json` text."""
    import json as jsonlib

    from tortoise.migrations.api import migrate as migrate_to

    from tests.databases import empty_database

    url, drop = await empty_database(tmp_path)
    try:
        await migrate_to(config=tortoise_config(url), target="ivlog.0005_review_delivery")
        connection = get_connection("default")
        postgres = connection.capabilities.dialect == "postgres"
        marks = ", ".join(f"${n}" if postgres else "?" for n in range(1, 11))
        held = {"id": "e1", "payload": {"text": "kept ü"}}
        await connection.execute_query(
            "INSERT INTO quarantine (event_id, organization_id, device_id, device_seq, author_id, received_at, "
            f"content, content_sha256, code, reason) VALUES ({marks})",
            [str(uuid.uuid4()), 1, str(uuid.uuid4()), 1, 1, "2026-11-23 10:00:00+00:00" if not postgres else
             __import__("datetime").datetime(2026, 11, 23, tzinfo=__import__("datetime").timezone.utc),
             jsonlib.dumps(held), "x", "invalid_payload", "why"],
        )
        await schema.close_database()
        await schema.open_database(url)
        await schema.migrate(url)
        from sync.models import Quarantine

        assert [q.sent for q in await Quarantine.all()] == [held]
    finally:
        await schema.close_database()
        await drop()
