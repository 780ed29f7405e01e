"""The organization's visits of one local day across its patients: the pharmacist's home page starts with
them (a pharmacist's walk found no view of the day's work but each patient's own schedule page), each
visit not started by its time saying how late it is: a visit that never happens leaves a patient without
the infusion, and the pharmacist is the one who calls the nurse."""

from __future__ import annotations

from datetime import datetime, timedelta

from server import access
from server.db.models import User, Visit, VisitStatus

AT_MOST = 100  # bound the list; the page says how many more there are


async def of_the_day(*, by: User, day_start: datetime) -> tuple[list[Visit], int]:
    """The day's visits from `day_start` (local midnight) in time order, cancelled ones left out, and how many
    there are in all."""
    query = (await access.visits(by)).filter(
        scheduled_at__gte=day_start, scheduled_at__lt=day_start + timedelta(days=1)).exclude(status=VisitStatus.CANCELLED)
    total = await query.count()
    rows = await query.order_by("scheduled_at").limit(AT_MOST).prefetch_related("nurse", "patient")
    await access.audit_list(by, "visit", len(rows))
    return rows, total


def not_started_for(visit: Visit, now: datetime) -> str:
    """"1 h 20 min" for a visit still scheduled that long after its time ("under a minute" just after it);
    "" for a visit begun, ended or not yet due."""
    if visit.status != VisitStatus.SCHEDULED or visit.scheduled_at > now:
        return ""
    hours, minutes = divmod(int((now - visit.scheduled_at).total_seconds() // 60), 60)
    if not hours and not minutes:
        return "under a minute"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"
