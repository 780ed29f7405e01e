"""The database layer: migrations match the models, start-up checks refuse unsafe states,
and SQLite write transactions take the lock up front (DESIGN section 8)."""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from typing import AsyncIterator
import sqlite3
import uuid

import pytest
from tortoise.connection import get_connection
from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from server.db import schema
from server.db.config import APP_LABEL, is_sqlite, sqlite_path, tortoise_config
from server.db.models import Organization, Patient, Role, User
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
        async with in_transaction("default"):
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


@asynccontextmanager
async def migrated_database(tmp_path) -> AsyncIterator[tuple[str, Organization, User, Patient]]:
    """A new database migrated to the newest, open, with an organization, a pharmacist and a patient of
    70 kg: (its url, them); closed and dropped after."""
    from datetime import date

    from tests.databases import empty_database

    url, drop = await empty_database(tmp_path)
    try:
        await schema.open_database(url)
        await schema.migrate(url)
        org = await Organization.create(name="North Home Infusion")
        pia = await User.create(organization=org, username="pharmacist_pia", display_name="Pia",
                                role=Role.PHARMACIST, password_hash="x")
        patient = await Patient.create(organization=org, mrn="MRN-1", given_name="Pat", family_name="Testperson",
                                       allergies="", birth_date=date(1960, 1, 1), dosing_weight_kg=70.0)
        yield url, org, pia, patient
    finally:
        await schema.close_database()
        await drop()


async def test_migration_0021_renames_an_orders_protocol_type_to_basis_in_the_order_and_its_kept_revisions(tmp_path):
    """An order and the revision kept of it, written under 0020 (`protocol_type`), read after 0021 as
    `basis` with the same value; and going back to 0020 gives them their old name again."""
    from datetime import datetime, timezone

    from tortoise.migrations.api import migrate as migrate_to

    from server.db.models import Order, OrderRevision, ProtocolBasis
    from server.services.orders import snapshot

    async with migrated_database(tmp_path) as (url, org, pia, patient):
        order = await Order.create(organization=org, patient=patient, product_id="alyglo-10", indication="PI",
                                   dose_g_per_kg=0.4, dose_g=28.0, dosing_weight_kg=70.0, basis=ProtocolBasis.ORDER,
                                   steps_ml_h=[30, 60, 120], step_interval_min=15, prescriber="Dr. Test", created_by=pia)
        kept = snapshot(order)
        await OrderRevision.create(order=order, revision=1, snapshot=kept, changed_by=pia,
                                   changed_at=datetime.now(timezone.utc))
        assert kept["basis"] == "order" and "protocol_type" not in kept
        await schema.close_database()

        await migrate_to(config=tortoise_config(url), target="ivlog.0020_visit_orders")
        connection = get_connection("default")
        [before] = await connection.execute_query_dict('SELECT protocol_type FROM "order"')
        [revision] = await connection.execute_query_dict("SELECT snapshot FROM order_revision")
        old = revision["snapshot"]
        old = json.loads(old) if isinstance(old, str) else old
        assert before["protocol_type"] == "order"
        assert old == {("protocol_type" if key == "basis" else key): value for key, value in kept.items()}
        await schema.close_database()

        await schema.open_database(url)
        assert await schema.migrate(url) == ["0021_order_basis", "0022_order_volume", "0023_order_as_run", "0024_visit_handover", "0025_biller_role"]
        assert (await Order.get(id=order.id)).basis == ProtocolBasis.ORDER
        assert (await OrderRevision.get(order_id=order.id)).snapshot == kept


async def test_migration_0022_going_back_drops_the_volume_columns_and_keeps_every_visit_and_revision(tmp_path):
    """Going back from 0022 drops `volume_ml` and `duration_min` in place: rebuilding the `order` table
    (Tortoise's way on SQLite) would cascade-delete the visits and kept revisions that point at it."""
    from datetime import datetime, timezone

    from tortoise.migrations.api import migrate as migrate_to

    from server.db.models import Order, OrderRevision, Visit
    from server.services.orders import snapshot

    async with migrated_database(tmp_path) as (url, org, pia, patient):
        order = await Order.create(organization=org, patient=patient, product_id="sodium-chloride-0.9",
                                   therapy="hydration", indication="Hydration", dose_g_per_kg=4.5 / 70, dose_g=4.5,
                                   dosing_weight_kg=70.0, basis="order", volume_ml=500.0, duration_min=120,
                                   prescriber="Dr. Test", created_by=pia)
        await OrderRevision.create(order=order, revision=1, snapshot=snapshot(order), changed_by=pia,
                                   changed_at=datetime.now(timezone.utc))
        await Visit.create(id=uuid.uuid4(), organization=org, patient=patient, order=order)
        await schema.close_database()

        await migrate_to(config=tortoise_config(url), target="ivlog.0021_order_basis")
        connection = get_connection("default")
        [row] = await connection.execute_query_dict('SELECT * FROM "order"')
        assert "volume_ml" not in row and "duration_min" not in row
        assert [len(await connection.execute_query_dict(f"SELECT id FROM {table}"))
                for table in ("order_revision", "visit")] == [1, 1]
        await schema.close_database()

        await schema.open_database(url)
        assert await schema.migrate(url) == ["0022_order_volume", "0023_order_as_run", "0024_visit_handover", "0025_biller_role"]
        assert (await Order.get(id=order.id)).volume_ml is None


async def test_migration_0024_going_back_drops_the_handover_column_and_keeps_every_visit(tmp_path):
    """Going back from 0024 drops `visit.handover` in place: rebuilding the `visit` table (Tortoise's way on
    SQLite) would delete the rows that point at a visit."""
    from tortoise.migrations.api import migrate as migrate_to

    from server.db.models import Order, Visit, VisitOrder

    async with migrated_database(tmp_path) as (url, org, pia, patient):
        order = await Order.create(organization=org, patient=patient, product_id="gammagard-liquid-10", indication="PI",
                                   dose_g_per_kg=0.4, dose_g=28.0, dosing_weight_kg=70.0, prescriber="Dr. Test",
                                   created_by=pia)
        visit = await Visit.create(id=uuid.uuid4(), organization=org, patient=patient, order=order,
                                   handover={"next_rate_ml_h": 90.0, "reactions": [], "notes": []})
        await VisitOrder.create(visit=visit, order=order, position=0)
        await schema.close_database()

        await migrate_to(config=tortoise_config(url), target="ivlog.0023_order_as_run")
        connection = get_connection("default")
        [row] = await connection.execute_query_dict("SELECT * FROM visit")
        assert "handover" not in row
        assert len(await connection.execute_query_dict("SELECT id FROM visit_order")) == 1
        await schema.close_database()

        await schema.open_database(url)
        assert await schema.migrate(url) == ["0024_visit_handover", "0025_biller_role"]
        assert (await Visit.get(id=visit.id)).handover is None
