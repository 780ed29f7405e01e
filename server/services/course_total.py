"""A daily course gives the order's whole dose at every visit: a walk booked a 2 g/kg order daily for five
days, 10 g/kg, and nothing was said. Where the course adds up to more than the largest dose an order may hold
(orders.MAX_DOSE_G_PER_KG, 2 g/kg: ivlog's bound on one order, which is also the usual total of a loading
course, given split over days), scheduling names the total and asks until the pharmacist ticks that every
visit's full dose is meant; a split course is written as an order of the day's share."""

from __future__ import annotations

from server.clinical.rounding import format_number
from server.db.models import Order
from server.errors import FieldError, ValidationFailed
from server.services.orders import MAX_DOSE_G_PER_KG

FIELD = "course_meant"


def check(*, order: Order, visits: int, daily: bool, meant: bool) -> None:
    """Raise ValidationFailed (on FIELD) for a daily course above the bound, unless ticked."""
    total = order.dose_g_per_kg * visits
    if meant or not daily or visits < 2 or order.volume_ml is not None or total <= MAX_DOSE_G_PER_KG:
        return
    message = (f"{FIELD}: each of its {visits} visits gives order {order.id}'s whole dose: "
               f"{visits} × {format_number(order.dose_g, 1)} g = {format_number(order.dose_g * visits, 1)} g "
               f"({format_number(total, 2)} g/kg). Write an order of the day's share, or tick that every visit's "
               "full dose is meant.")
    raise ValidationFailed(message, errors=[FieldError(FIELD, message)])
