"""How much a user and a device may have kept aside (quarantined) in a day.

Anyone in an organization can push at any visit, and what the server cannot accept is kept
whole: without a bound one user fills the database (penetration test, issue 16.9: 19 MB in a
few seconds). Over the bound the push is refused whole, 429 with Retry-After and the code
`held_quota`, before anything of it is stored: the tablet keeps every entry in its outbox and
sends it again later (nothing a device sends is dropped, it is only made to wait). The window
rolls, so the same push succeeds once older entries leave it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tortoise.functions import Count, Length, Sum

from sync.errors import SyncError
from sync.models import Quarantine

QUOTA_CODE = "held_quota"


@dataclass(frozen=True)
class HeldQuota:
    """Per user and per device, in any `window`: at most `rows` entries kept aside, of at most
    `chars` characters of stored JSON in all (a push may carry 5 MB: keep `chars` above that,
    or one large entry could never be kept)."""

    rows: int = 2_000
    chars: int = 8 * 1024 * 1024
    window: timedelta = timedelta(hours=24)
    retry_after_s: int = 600


def refused(quota: HeldQuota, who: str) -> SyncError:
    return SyncError(429, QUOTA_CODE,
                      f"This {who} has had too many entries kept aside today ({quota.rows} entries or "
                      f"{quota.chars // (1024 * 1024)} MB in {int(quota.window.total_seconds() // 3600)} h). "
                      "Nothing was stored from this push; the tablet keeps every entry and sends it again later. "
                      "Ask the pharmacy to review what was kept aside.", retry_after_s=quota.retry_after_s)


async def check(connection: Any, quota: HeldQuota, *, now: Any, author_id: int, device_id: Any,
                pending: list[Quarantine]) -> SyncError | None:
    """Whether storing `pending` (this push's held rows and those of its group not yet written)
    would take the author or the device past the quota. Asked only by a push that holds some."""
    since = now - quota.window
    for who, column, value in (("user", "author_id", author_id), ("tablet", "device_id", device_id)):
        mine = [row for row in pending if getattr(row, column) == value]
        stored = await Quarantine.filter(**{column: value}, received_at__gte=since).using_db(connection).annotate(
            n=Count("id"), chars=Sum(Length("sent_json"))).values("n", "chars")
        rows = (stored[0]["n"] or 0) + len(mine)
        chars = int(stored[0]["chars"] or 0) + sum(len(row.sent_json) for row in mine)
        if rows > quota.rows or chars > quota.chars:
            return refused(quota, who)
    return None
