"""How fast one user may push: a token bucket per user, kept in the database.

Several server processes take pushes, so the bucket is a row (`sync.models.PushRate`), taken in
one statement (an upsert that moves it only if the push is allowed): no two pushes take the same
token. The row holds the moment the bucket is full again; each push moves it one interval later,
and a push that would move it beyond `burst` intervals from now is refused (429 with Retry-After):
the tablet keeps the push and sends it again. A user's tablets share the user's bucket.

Where (issue #19): on PostgreSQL as a statement that is its own transaction, before the push joins the log's
writer, committed without waiting for the disk: the row is locked only for that statement, so a
user's pushes in different groups or processes never wait for each other's commit, and a token lost
in a crash is harmless. The host may take it in the statement that reads the push's session
(`upsert` inside its own; `Principal.push_token` says how it went): one round trip where there were two. On SQLite inside the push's group transaction (its only writer; a
transaction of its own would cost a second fsync).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sync import store
from sync.errors import SyncError
from sync.models import PushRate

RATE_CODE = "push_rate"


@dataclass(frozen=True)
class PushRateLimit:
    """`burst` pushes at once, then `per_minute` (a tablet pushes at most every 0.8 s while the nurse
    saves, and sends a backlog in batches of 500: 10,000 entries are 20 pushes)."""

    burst: int = 120
    per_minute: int = 120


async def take(connection: Any, limit: PushRateLimit, user_id: int, now: float, *,
               alone: bool = False) -> SyncError | None:
    """Take one push from the user's bucket, or say how long to wait. `alone` (PostgreSQL, outside
    any transaction): the statement is its own transaction and its commit does not wait for the disk."""
    a, b, c, d, e = store.marks(connection, 5)
    if store.dialect(connection) == "postgres":
        quick = f" FROM ({QUICK}) AS quick" if alone else ""
        rows = await connection.execute_query_dict(upsert(f"SELECT {a}::integer, {b}::float8{quick}", (c, d, e), True),
                                                   [user_id, *bucket(limit, now)])
    else:
        rows = await connection.execute_query_dict(upsert(f"VALUES ({a}, {b})", (c, d, e), False),
                                                   [user_id, *bucket(limit, now)])
    return None if rows else await refusal(connection, limit, user_id, now)


QUICK = "SELECT set_config('synchronous_commit', 'off', true)"  # this statement's commit does not wait for the disk


def upsert(values: str, marks: tuple[str, str, str], postgres: bool) -> str:
    """The bucket's one rule: move the user's row (`values`: its user id and its new full time,
    `bucket`'s first value) one interval later, unless that would put it beyond the burst; a row
    comes back only when the push may go (`marks`: `bucket`'s other three values)."""
    now, interval, latest = marks
    return (f"INSERT INTO push_rate (user_id, full_at) {values} ON CONFLICT (user_id) DO UPDATE "
            f"SET full_at = {'GREATEST' if postgres else 'MAX'}(push_rate.full_at, {now}) + {interval} "
            f"WHERE push_rate.full_at <= {latest} RETURNING full_at")


def bucket(limit: PushRateLimit, now: float) -> tuple[float, float, float, float]:
    """`upsert`'s values: a new row's full time, now, the interval, and the latest the bucket may be full."""
    interval = 60.0 / limit.per_minute
    return now + interval, now, interval, now + (limit.burst - 1) * interval


async def refusal(connection: Any, limit: PushRateLimit, user_id: int, now: float) -> SyncError:
    """The answer to a push the bucket refused: how long until it holds a token again."""
    interval = 60.0 / limit.per_minute
    full_at = (await PushRate.get(user_id=user_id).using_db(connection)).full_at
    wait = max(full_at, now) + interval - now - limit.burst * interval
    return SyncError(429, RATE_CODE, "This account is sending too fast. Nothing of this push was stored; "
                                     "the tablet keeps every entry and sends it again shortly.",
                     retry_after_s=max(1, math.ceil(wait)))
