"""How fast one user may push: a token bucket per user, kept in the database.

Several server processes take pushes, so the bucket is a row (`sync.models.PushRate`), read and
written inside the push's own transaction under the log lock: no two pushes take the same token,
and a push refused here does no other work. The row holds the moment the bucket is full again;
each push moves it one interval later, and a push that would move it beyond `burst` intervals
from now is refused (429 with Retry-After): the tablet keeps the push and sends it again.
A user's tablets share the user's bucket, so it bounds every tablet too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sync.errors import SyncError
from sync.models import PushRate

RATE_CODE = "push_rate"


@dataclass(frozen=True)
class PushRateLimit:
    """`burst` pushes at once, then `per_minute` (a tablet pushes at most every 0.8 s while the nurse
    saves, and sends a backlog in batches of 500: 10,000 entries are 20 pushes)."""

    burst: int = 120
    per_minute: int = 120


async def take(connection: Any, limit: PushRateLimit, user_id: int, now: float) -> SyncError | None:
    """Take one push from the user's bucket, or say how long to wait."""
    interval = 60.0 / limit.per_minute
    row = await PushRate.get_or_none(user_id=user_id).using_db(connection)
    full_at = max(row.full_at if row else now, now) + interval
    wait = full_at - now - limit.burst * interval
    if wait > 0:
        return SyncError(429, RATE_CODE, "This account is sending too fast. Nothing of this push was stored; "
                                         "the tablet keeps every entry and sends it again shortly.",
                         retry_after_s=max(1, math.ceil(wait)))
    if row is None:
        await PushRate.create(user_id=user_id, full_at=full_at, using_db=connection)
    else:
        await PushRate.filter(user_id=user_id).using_db(connection).update(full_at=full_at)
    return None
