"""A lost database connection is answered 503 with Retry-After (retry later), not 500 (a bug)."""

from __future__ import annotations

import asyncpg
from tortoise.exceptions import DBConnectionError, OperationalError

from server.responses import database_unreachable


def _wrapped(cause: BaseException) -> OperationalError:
    try:
        try:
            raise cause
        except BaseException as inner:
            raise OperationalError("query failed") from inner
    except OperationalError as outer:
        return outer


def test_a_dropped_or_refused_connection_counts_as_the_database_being_unreachable():
    assert database_unreachable(_wrapped(asyncpg.ConnectionDoesNotExistError("closed in the middle")))
    assert database_unreachable(_wrapped(asyncpg.CannotConnectNowError("the database system is starting up")))
    assert database_unreachable(ConnectionRefusedError(111, "refused"))
    assert database_unreachable(DBConnectionError("pool closed"))


def test_a_bug_or_a_constraint_is_not_mistaken_for_an_outage():
    assert not database_unreachable(ValueError("bad value"))
    assert not database_unreachable(_wrapped(asyncpg.UniqueViolationError("duplicate key")))
    assert not database_unreachable(KeyError("id"))
