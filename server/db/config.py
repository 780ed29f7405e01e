"""Tortoise configuration from one database URL (SQLite file or PostgreSQL).

The same models and migrations serve both; only the connection differs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tortoise.backends.base.config_generator import expand_db_url

from sync import append, writer

APP_LABEL = "ivlog"
MODEL_MODULES = ["server.db.models", "server.db.review_models", "server.db.catalogue_models", "sync.models"]
MIGRATIONS_MODULE = "server.db.migrations"

# DESIGN section 8: asserted at start-up by server.db.checks.
SQLITE_PRAGMAS: dict[str, Any] = {
    "journal_mode": "wal",
    "synchronous": 2,  # FULL: a commit survives power loss, not only a process crash
    "busy_timeout": 10_000,
    "foreign_keys": 1,
}


async def keep_session(connection: Any) -> None:
    """What a pooled PostgreSQL connection needs before its next use: nothing more than asyncpg
    has already done (it rolls back a transaction left open before calling this).

    asyncpg's default reset runs `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` on
    every release: a round trip after every query outside a transaction, three per push. It undoes
    session state ivlog never creates: settings are set for one transaction (`set_config(.., true)`),
    advisory locks are transaction locks, nothing listens or declares a cursor
    (tests/server/test_pool_session_state.py holds the code to that)."""


def is_sqlite(database_url: str) -> bool:
    return database_url.startswith("sqlite://")


def sqlite_path(database_url: str) -> Path:
    return Path(database_url.removeprefix("sqlite://"))


def _writer(connection: dict[str, Any]) -> dict[str, Any]:
    """PostgreSQL: the log's writers' own pool (sync.writer.WRITER_CONNECTION), one connection per lane,
    so that a burst of requests, each reading its session from the default pool, never queues the
    writers behind it (measured: a group waited 80-480 ms for a connection in the 200-tablet storm)."""
    credentials = {**connection["credentials"], "minsize": 1, "maxsize": writer.LANES}
    return {writer.WRITER_CONNECTION: {**connection, "credentials": credentials}}


# PostgreSQL: the pool desk turns take their locks on (server.services.desk_turn), apart from the pool the
# actions themselves use: a turn held on a default connection while its action waited for another drained
# that pool with five users at once (found in review).
DESK_TURNS_CONNECTION = "desk_turns"


def _desk_turns(connection: dict[str, Any]) -> dict[str, Any]:
    credentials = {key: value for key, value in connection["credentials"].items() if key != "init"}
    return {DESK_TURNS_CONNECTION: {**connection, "credentials": {**credentials, "minsize": 1, "maxsize": 4}}}


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The Tortoise config dict for this URL, used by the app, the CLI and the tests."""
    if is_sqlite(database_url):
        path = sqlite_path(database_url)
        path.parent.mkdir(parents=True, exist_ok=True)
        connection: dict[str, Any] = {
            "engine": "server.db.sqlite_engine",
            "credentials": {"file_path": str(path), **SQLITE_PRAGMAS},
        }
    else:
        connection = expand_db_url(database_url)
        connection["credentials"]["init"] = append.on_connect  # each connection's order lock function
        connection["credentials"]["reset"] = keep_session
    return {
        "connections": {"default": connection, **_writer(connection),
                        **({} if is_sqlite(database_url) else _desk_turns(connection))},
        "apps": {
            APP_LABEL: {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }
