"""The visits booked together as a series ("every 4 weeks, 12 visits"), for cancelling the rest of one at
once: a therapy stopped meant cancelling each visit of two years on its own page, and an order cannot be made
inactive while a visit of it is booked. A visit belongs to the series its booking named; moved visits stay in
it. "The rest" is the visit and every visit of its series still booked at or after its time."""

from __future__ import annotations

from uuid import UUID

from server.db.models import ScheduleChangeKind, Visit, VisitScheduleChange, VisitStatus


async def series_of(visit: Visit) -> UUID | None:
    booking = await VisitScheduleChange.filter(visit_id=visit.id, kind=ScheduleChangeKind.SCHEDULED).first()
    return booking.series_id if booking else None


async def rest_of_series(visit: Visit) -> list[Visit]:
    """The visit and its series' visits still booked from its time on, in time order (the visit alone when
    it was booked on its own)."""
    series = await series_of(visit)
    if series is None:
        return [visit]
    booked = VisitScheduleChange.filter(series_id=series, kind=ScheduleChangeKind.SCHEDULED).values_list("visit_id", flat=True)
    rest = await Visit.filter(id__in=await booked, status=VisitStatus.SCHEDULED,
                              scheduled_at__gte=visit.scheduled_at).exclude(id=visit.id).order_by("scheduled_at")
    return [visit, *rest]
