"""A second visit of one order, or of another order of its therapy, on one day is a second dose.

IVIG, a saline bag or an antibiotic dose is given once per visit; two visits of one order on one local day
give it twice (a new user's walk scheduled 09:00 beside the demo's 08:00, and the tablet offered both).
Scheduling refuses such a visit, naming the one already there, unless the pharmacist says it is meant
(a split dose, a visit repeated after an aborted one): `ScheduleRequest.same_day`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from uuid import UUID

from server.db.models import Order, Visit, VisitOrder, VisitStatus
from server.field_words import STATUS_WORDS, therapy_words
from server.services.local_time import midnight


class Clash(NamedTuple):
    """A visit that day already giving `therapy`, one the visit being booked gives too."""

    visit: Visit
    therapy: str


async def visit_that_day(patient_id: int, orders: list[Order], days: list[date], zone: ZoneInfo, *,
                         moving: Visit | None = None) -> Clash | None:
    """The first visit, not cancelled, on any of the local `days` (`moving`: not that one) that gives a therapy
    `orders` give (by its own order or an additional one): IVIG of one order or of another is one dose a day
    (a walk booked Gammagard at 09:00 and Privigen at 13:00 on one day, unwarned)."""
    therapies = {order.therapy for order in orders}
    start, end = (midnight(day, zone) for day in (min(days), max(days) + timedelta(days=1)))
    booked = [visit for visit in await Visit.filter(patient_id=patient_id, scheduled_at__gte=start, scheduled_at__lt=end)
              .exclude(status=VisitStatus.CANCELLED).exclude(id=moving.id if moving else None).order_by("scheduled_at")
              if visit.scheduled_at.astimezone(zone).date() in days]
    given = await _therapies_of(booked)
    return next((Clash(visit, min(given[visit.id] & therapies)) for visit in booked if given[visit.id] & therapies), None)


async def _therapies_of(visits: list[Visit]) -> dict[UUID, set[str]]:
    """The therapies each visit gives: its order's and its additional orders'."""
    given: dict[UUID, set[str]] = {visit.id: set() for visit in visits}
    mains = dict(await Order.filter(id__in={v.order_id for v in visits if v.order_id}).values_list("id", "therapy"))
    for visit in visits:
        given[visit.id].update({mains[visit.order_id]} if visit.order_id in mains else set())
    for row in await VisitOrder.filter(visit_id__in=list(given)).values("visit_id", "order__therapy"):
        given[row["visit_id"]].add(row["order__therapy"])
    return given


def refusal(clash: Clash, zone: ZoneInfo, order: Order) -> str:
    """Said on the form (beside the box that marks a second visit as meant), the API and the command line."""
    visit = clash.visit
    at = visit.scheduled_at.astimezone(zone)
    therapy = therapy_words(clash.therapy)
    which = "of this order" if visit.order_id == order.id else f"giving {therapy} (order {visit.order_id})"
    # a visit begun or given cannot be moved or cancelled (a walk was told to, of one signed off): choose another day
    ahead = visit.status == VisitStatus.SCHEDULED
    way = "Move or cancel that visit, or" if ahead else "That visit has begun or been given: choose another day, or"
    return (f"this patient already has a visit {which} on {at:%Y-%m-%d} at {at:%H:%M} "
            f"({STATUS_WORDS[visit.status.value]}): a second visit that day would be a second dose. "
            f"{way} mark a second visit that day as meant")
