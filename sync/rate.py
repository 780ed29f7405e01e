"""How fast one user may push: a token bucket per user, kept in the database.

Several server processes take pushes, so the bucket is a row (`sync.models.PushRate`), taken in
one statement (an upsert that moves it only if the push is allowed): no two pushes take the same
token. The row holds the moment the bucket is full again; each push moves it one interval later,
and a push that would move it beyond `burst` intervals from now is refused (429 with Retry-After):
the tablet keeps the push and sends it again. A user's tablets share the user's bucket.

Where (issue #19): on PostgreSQL as a statement that is its own transaction, before the push joins the log's
writer, committed without waiting for the disk: the row is locked only for that statement, so a
user's pushes in different groups or processes never wait for each other's commit, and a token lost
in a crash is harmless. On SQLite inside the push's group transaction (its only writer; a
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
    interval = 60.0 / limit.per_minute
    latest = now + (limit.burst - 1) * interval  # the bucket may be full again at most this late before a push
    a, b, c, d, e = store.marks(connection, 5)
    if store.dialect(connection) == "postgres":
        quick = " FROM (SELECT set_config('synchronous_commit', 'off', true)) AS quick" if alone else ""
        insert, greatest = f"SELECT {a}::integer, {b}::float8{quick}", "GREATEST"
    else:
        insert, greatest = f"VALUES ({a}, {b})", "MAX"
    rows = await connection.execute_query_dict(
        f"INSERT INTO push_rate (user_id, full_at) {insert} ON CONFLICT (user_id) DO UPDATE "
        f"SET full_at = {greatest}(push_rate.full_at, {c}) + {d} WHERE push_rate.full_at <= {e} "
        "RETURNING full_at", [user_id, now + interval, now, interval, latest])
    if rows:
        return None
    full_at = (await PushRate.get(user_id=user_id).using_db(connection)).full_at
    wait = max(full_at, now) + interval - now - limit.burst * interval
    return SyncError(429, RATE_CODE, "This account is sending too fast. Nothing of this push was stored; "
                                     "the tablet keeps every entry and sends it again shortly.",
                     retry_after_s=max(1, math.ceil(wait)))
