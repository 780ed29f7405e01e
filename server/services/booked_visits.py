"""A nurse's visits still booked: an assignment ended, or an account disabled, with visits left under her
strands them (she can no longer open them, and nobody else is named to go). A walk ended an assignment with
three visits booked, the first the next day, and nothing said so. Ending or disabling is refused, naming the
first visit and the count, until the pharmacist gives them to another nurse (Move) or cancels them."""

from __future__ import annotations

from datetime import datetime, timezone

from server.db.models import Visit, VisitStatus
from server.errors import Conflict
from server.services.local_time import LocalTime


async def check_none_left(*, nurse_id: int, clock: LocalTime, patient_id: int | None = None) -> None:
    """Raise Conflict when the nurse has visits booked from the organization's today (of this patient, if
    given): the day the patient's schedule lists from, so every visit counted here has its Move button."""
    today = clock.day_start(datetime.now(timezone.utc))
    booked = Visit.filter(nurse_id=nurse_id, status=VisitStatus.SCHEDULED, scheduled_at__gte=today)
    if patient_id is not None:
        booked = booked.filter(patient_id=patient_id)
    count = await booked.count()
    if not count:
        return
    first = await booked.order_by("scheduled_at").prefetch_related("patient", "nurse").first()
    assert first is not None
    raise Conflict(
        f"{first.nurse.display_name} has {count} visit{'s' if count > 1 else ''} booked from "
        f"{clock.stamp(first.scheduled_at)} ({first.patient.display_name}, {first.patient.mrn}). A pharmacist "
        "gives them to another nurse (Move, on the patient's schedule) or cancels them first.")
