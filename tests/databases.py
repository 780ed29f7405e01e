"""Per-test databases cloned from one migrated template, so each test starts clean and fast.

SQLite: the template file is copied. PostgreSQL (IVLOG_TEST_DATABASE_URL names a server,
e.g. postgres://postgres@127.0.0.1:5432/postgres): `CREATE DATABASE ... TEMPLATE`.
Migrations run once per test session, through the same code as `python -m server migrate`.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import os
import sqlite3
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from server.db import schema

POSTGRES_URL = os.environ.get("IVLOG_TEST_DATABASE_URL", "")
_counter = itertools.count(1)


def on_postgres() -> bool:
    return POSTGRES_URL.startswith(("postgres://", "postgresql://"))


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def _admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(_with_database(POSTGRES_URL, "postgres").replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _migrate(url: str) -> None:
    await schema.open_database(url)
    try:
        await schema.migrate(url)
    finally:
        await schema.close_database()


class TemplateDatabase:
    """Created once per pytest session; `clone()` gives each test its own copy."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.prefix = f"ivlog_t{os.getpid()}_{uuid.uuid4().hex[:6]}"
        if on_postgres():
            self.url = _with_database(POSTGRES_URL, f"{self.prefix}_tpl")
        else:
            self.url = f"sqlite://{workdir / 'template.sqlite3'}"

    def create(self) -> None:
        if on_postgres():
            asyncio.run(_admin(f'CREATE DATABASE "{self.prefix}_tpl"'))
        asyncio.run(_migrate(self.url))

    async def clone(self, tmp_path: Path) -> str:
        url, _ = await copy_database(self.url, tmp_path)  # dropped by `drop(url)`
        return url

    async def drop(self, url: str) -> None:
        await drop_database(urlsplit(url).path.lstrip("/"))

    def destroy(self) -> None:
        if on_postgres():
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{self.prefix}_tpl" WITH (FORCE)'))


async def copy_database(url: str, directory: Path) -> tuple[str, "Callable[[], Awaitable[None]]"]:
    """A copy of the database at `url` (nobody connected to it), and how to drop the copy. SQLite copies
    through its backup API, which also takes what a -wal file still holds."""
    if not on_postgres():
        target = directory / f"copy-{next(_counter)}" / "ivlog.sqlite3"
        target.parent.mkdir(parents=True)
        source, copy = sqlite3.connect(url.removeprefix("sqlite://")), sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            source.close()
            copy.close()
        return f"sqlite://{target}", _nothing
    name = f"ivlog_c{os.getpid()}_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{urlsplit(url).path.lstrip("/")}"')
    return _with_database(POSTGRES_URL, name), functools.partial(drop_database, name)


async def drop_database(name: str) -> None:
    if on_postgres():
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _nothing() -> None:
    return None


async def empty_database(tmp_path: Path) -> tuple[str, "Callable[[], Awaitable[None]]"]:
    """A database with nothing in it (not even migrations), and how to drop it."""
    if not on_postgres():
        return f"sqlite://{tmp_path / 'empty' / 'ivlog.sqlite3'}", _nothing
    name = f"ivlog_e{os.getpid()}_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE DATABASE "{name}"')
    return _with_database(POSTGRES_URL, name), functools.partial(drop_database, name)
