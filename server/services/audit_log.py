"""Reading the audit log as an administrator does: filtered, newest first, one bounded page at a time,
with people's names (the log itself stores ids only) and times in the organization's zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from tortoise.queryset import QuerySet

from server.db.models import AuditEntry, User
from server.services.local_time import LocalTime, midnight

PAGE = 50


@dataclass(frozen=True)
class AuditFilter:
    """What the administrator asked to see; every field optional."""

    user_id: int | None = None
    action: str = ""  # a prefix: "user." finds every account change
    object_type: str = ""
    object_id: str = ""
    outcome: str = ""
    since: date | None = None  # local days, both inclusive
    until: date | None = None

    def query_string(self, **more: Any) -> str:
        values = {"user": self.user_id, "action": self.action, "object_type": self.object_type,
                  "object_id": self.object_id, "outcome": self.outcome, "since": self.since, "until": self.until}
        return urlencode({k: v for k, v in {**values, **more}.items() if v not in (None, "")})


def filtered(organization_id: int, wanted: AuditFilter, clock: LocalTime) -> QuerySet[AuditEntry]:
    query = AuditEntry.filter(organization_id=organization_id)
    if wanted.user_id is not None:
        query = query.filter(user_id=wanted.user_id)
    if wanted.action:
        query = query.filter(action__startswith=wanted.action)
    if wanted.object_type:
        query = query.filter(object_type=wanted.object_type)
    if wanted.object_id:
        query = query.filter(object_id=wanted.object_id)
    if wanted.outcome:
        query = query.filter(outcome=wanted.outcome)
    if wanted.since is not None:
        query = query.filter(at__gte=midnight(wanted.since, clock.zone))
    if wanted.until is not None:
        query = query.filter(at__lt=midnight(wanted.until + timedelta(days=1), clock.zone))
    return query


async def page(organization_id: int, wanted: AuditFilter, *, before: int | None,
               clock: LocalTime) -> tuple[list[AuditEntry], int | None]:
    """A page of entries, newest first, and the id to continue from (None on the last page)."""
    query = filtered(organization_id, wanted, clock)
    if before is not None:
        query = query.filter(id__lt=before)
    entries = await query.order_by("-id").limit(PAGE)
    return entries, entries[-1].id if len(entries) == PAGE else None


async def names(organization_id: int) -> dict[int, str]:
    """Display names of the organization's accounts, for showing who acted (not PHI: staff names)."""
    rows = await User.filter(organization_id=organization_id).values_list("id", "display_name", "username")
    return {user_id: f"{display} ({username})" for user_id, display, username in rows}
