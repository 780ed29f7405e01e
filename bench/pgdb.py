"""A private PostgreSQL database for the storm, and the storm's proof of exactly-once read from it.

The storm runs on the shared server at 127.0.0.1:5432 (or IVLOG_BENCH_POSTGRES_URL) in a
database of its own, `ivlog_bench_<pid>`, created at the start and dropped at the end, so it
touches nobody else's data. The stored rows are read with plain asyncpg, not through the code
under test, exactly as bench.integrity reads the SQLite file.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bench.integrity import Integrity

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
ROWS_SQL = "SELECT id, device_id, device_seq, server_seq FROM event WHERE id = ANY($1::uuid[])"
# Visits whose row (status, alerts, the pharmacist's queue) has not yet folded their last event.
LAGGING_SQL = ("SELECT COUNT(*) FROM visit v WHERE v.projected_seq < "
               "(SELECT MAX(e.server_seq) FROM event e WHERE e.visit_id = v.id)")


class PostgresUnreachable(RuntimeError):
    """No PostgreSQL answers where the storm was told to look: reported, never silently skipped."""


def server_url() -> str:
    return os.environ.get("IVLOG_BENCH_POSTGRES_URL", DEFAULT_SERVER)


def _asyncpg(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def _named(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 5432}"


class BenchDatabase:
    """`async with BenchDatabase() as url:` a fresh, empty database, dropped afterwards."""

    def __init__(self, server: str | None = None) -> None:
        self.server = server or server_url()
        self.name = f"ivlog_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.url = _named(self.server, self.name)

    async def _admin(self, sql: str) -> None:
        try:
            connection = await asyncpg.connect(_asyncpg(_named(self.server, "postgres")), timeout=5)
        except (OSError, asyncpg.PostgresError) as error:
            raise PostgresUnreachable(f"PostgreSQL not reachable at {where(self.server)}: {error}") from error
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    async def __aenter__(self) -> str:
        await self._admin(f'CREATE DATABASE "{self.name}"')
        return self.url

    async def __aexit__(self, *exc: object) -> None:
        await self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


async def check_database(integrity: Integrity, url: str, sent_ids: set[str], label: str) -> None:
    """The storm's rows: each sent id once, no device_seq or server_seq twice, nothing held back."""
    connection = await asyncpg.connect(_asyncpg(url))
    try:
        rows = await connection.fetch(ROWS_SQL, [uuid.UUID(event_id) for event_id in sent_ids])
        quarantined = await connection.fetchval("SELECT COUNT(*) FROM quarantine")
    finally:
        await connection.close()
    before = len(integrity.problems)
    integrity.compare("database", (row["id"] for row in rows), sent_ids)
    if len({(row["device_id"], row["device_seq"]) for row in rows}) != len(rows):
        integrity.problems.append("database: a (device_id, device_seq) stored twice")
    if len({row["server_seq"] for row in rows}) != len(rows):
        integrity.problems.append("database: a server_seq handed out twice")
    if quarantined:
        integrity.problems.append(f"database: {quarantined} submission(s) in quarantine")
    integrity.problems[before:] = [f"{label}: {problem}" for problem in integrity.problems[before:]]



async def projected(url: str, timeout_s: float) -> float | None:
    """Seconds until no visit is due a fold (the pharmacist's queue has caught up with the storm),
    or None if some still are after `timeout_s`. The next storm starts on a quiet server."""
    connection = await asyncpg.connect(_asyncpg(url))
    started = time.monotonic()
    try:
        while time.monotonic() - started < timeout_s:
            if not await connection.fetchval(LAGGING_SQL):
                return time.monotonic() - started
            await asyncio.sleep(0.1)
    finally:
        await connection.close()
    return None
