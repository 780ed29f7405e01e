"""A second visit of one order on one day is a second dose of it.

IVIG, a saline bag or an antibiotic dose is given once per visit; two visits of one order on one local day
give it twice (a new user's walk scheduled 09:00 beside the demo's 08:00, and the tablet offered both).
Scheduling refuses such a visit, naming the one already there, unless the pharmacist says it is meant
(a split dose, a visit repeated after an aborted one): `ScheduleRequest.same_day`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from server.db.models import Visit, VisitStatus
from server.field_words import STATUS_WORDS


async def visit_that_day(patient_id: int, order_id: int, days: list[date], zone: ZoneInfo, *,
                         moving: Visit | None = None) -> Visit | None:
    """The first visit of the order, not cancelled, on any of the local `days` (`moving`: not that one)."""
    start, end = (datetime.combine(day, time(0), tzinfo=zone) for day in (min(days), max(days) + timedelta(days=1)))
    booked = await Visit.filter(patient_id=patient_id, order_id=order_id, scheduled_at__gte=start,
                                scheduled_at__lt=end).exclude(status=VisitStatus.CANCELLED) \
        .exclude(id=moving.id if moving else None).order_by("scheduled_at")
    return next((visit for visit in booked if visit.scheduled_at.astimezone(zone).date() in days), None)


def refusal(visit: Visit, zone: ZoneInfo) -> str:
    """Said on the form (beside the box that marks a second visit as meant), the API and the command line."""
    at = visit.scheduled_at.astimezone(zone)
    return (f"this patient already has a visit of this order on {at:%Y-%m-%d} at {at:%H:%M} "
            f"({STATUS_WORDS[visit.status.value]}): a second visit that day would be a second dose. "
            "Move or cancel that visit, or mark a second visit that day as meant")
