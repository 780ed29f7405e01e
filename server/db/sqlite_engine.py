"""Tortoise's SQLite backend, with write transactions that take the lock up front.

SQLite upgrades a deferred transaction from reader to writer on its first write; if another
process (a backup, a CLI command) wrote in between, the upgrade fails at once with
"database is locked" and busy_timeout cannot help. `BEGIN IMMEDIATE` takes the write lock
at the start, so a second process makes us wait (busy_timeout) instead of failing.
"""

from __future__ import annotations

import sqlite3

from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.exceptions import TransactionManagementError
from tortoise.backends.base.client import TransactionContext


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            if self._connection.in_transaction:
                await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateSqliteClient(SqliteClient):
    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class = ImmediateSqliteClient


def get_client_class(db_info: dict) -> type[SqliteClient]:
    return ImmediateSqliteClient
