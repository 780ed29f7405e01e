"""Migrations and the start-up checks that refuse to serve a database in the wrong state.

`migrate` applies the checked-in Tortoise migrations. `check_ready` is what `serve` runs:
an unmigrated database, or one migrated by a newer ivlog, is refused with a message that
tells the operator what to do, and SQLite's durability pragmas are asserted.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection
from tortoise.migrations.executor import MigrationExecutor
from tortoise.migrations.graph import MigrationKey

from server.db.config import APP_LABEL, SQLITE_PRAGMAS, tortoise_config


class DatabaseNotReady(RuntimeError):
    """The database cannot be served as it is; the message says what to run."""


@dataclass(frozen=True)
class SchemaStatus:
    pending: list[str]
    unknown: list[str]  # applied in the database but not known to this code: a newer schema


def _executor(connection: BaseDBAsyncClient, database_url: str) -> MigrationExecutor:
    apps = tortoise_config(database_url)["apps"]
    return MigrationExecutor(connection, {APP_LABEL: apps[APP_LABEL]})


async def schema_status(database_url: str) -> SchemaStatus:
    executor = _executor(get_connection("default"), database_url)
    plan = await executor.plan()
    known = set(executor.loader.graph.nodes)
    applied = await executor.recorder.applied_migrations()
    return SchemaStatus(
        pending=[step.migration.name for step in plan if not step.backward],
        unknown=[key.name for key in applied if key not in known],
    )


async def migrate(database_url: str) -> list[str]:
    """Apply pending migrations; returns their names. Refuses a newer-schema database."""
    status = await schema_status(database_url)
    if status.unknown:
        raise DatabaseNotReady(_newer_message(status.unknown))
    executor = _executor(get_connection("default"), database_url)
    await executor.migrate()
    return status.pending


async def check_ready(database_url: str) -> None:
    status = await schema_status(database_url)
    if status.unknown:
        raise DatabaseNotReady(_newer_message(status.unknown))
    if status.pending:
        raise DatabaseNotReady(
            f"The database needs {len(status.pending)} migration(s) ({', '.join(status.pending)}). "
            "Run `python -m server migrate` (or `make run`, which migrates) and start again."
        )
    if get_connection("default").capabilities.dialect == "sqlite":
        await check_sqlite_pragmas()


async def check_sqlite_pragmas() -> None:
    """DESIGN section 8: WAL, synchronous=FULL, a busy timeout and foreign keys, or no service."""
    connection = get_connection("default")
    wrong = []
    for name, expected in SQLITE_PRAGMAS.items():
        rows = await connection.execute_query_dict(f"PRAGMA {name}")
        actual = next(iter(rows[0].values())) if rows else None
        if str(actual).lower() != str(expected).lower():
            wrong.append(f"{name}={actual} (expected {expected})")
    if wrong:
        raise DatabaseNotReady("SQLite is not configured safely: " + ", ".join(wrong))


def _newer_message(unknown: list[str]) -> str:
    return (
        "The database was migrated by a newer version of ivlog "
        f"(unknown migrations: {', '.join(unknown)}). Upgrade ivlog; never serve it with this one."
    )


async def open_database(database_url: str) -> None:
    """Initialise Tortoise for this process (global, so request tasks see it: DESIGN section 8).

    Tortoise caches each model's INSERT statement by connection name and table, not by dialect: a
    process that opened SQLite and then PostgreSQL (the crash campaigns, tests) would send `?`
    placeholders to PostgreSQL. The cache is emptied so each opening builds its own statements."""
    EXECUTOR_CACHE.clear()
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close_database() -> None:
    await Tortoise.close_connections()


__all__ = ["DatabaseNotReady", "MigrationKey", "check_ready", "migrate", "open_database"]
