"""Two active orders of one therapy for one patient are a duplicate therapy, a classic medication error:
each can be booked, and each visit gives a full dose. A new order, or one made active again or switched to
another therapy, is refused while another active order of its therapy stands, unless the pharmacist says a
second one is meant (a loading course beside the maintenance order; a product switch while the old order
still has a visit to run)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.db.models import Order
from server.errors import FieldError, ValidationFailed
from server.field_words import therapy_words
from server.services.catalogue_names import catalog, product_name

if TYPE_CHECKING:
    from server.services.orders import OrderCreate

FIELD = "same_therapy"


async def check(*, patient_id: int, data: OrderCreate, order: Order | None = None) -> None:
    """Raise ValidationFailed (on FIELD) when the order would stand beside another active one of its therapy;
    an order already active in that therapy is not asked again at each edit."""
    therapy = catalog().product(data.product_id).therapy
    if data.same_therapy or not data.active or (order is not None and order.active and order.therapy == therapy):
        return
    others = Order.filter(patient_id=patient_id, active=True, therapy=therapy)
    other = await (others.exclude(id=order.id) if order is not None else others).order_by("id").first()
    if other is not None:
        message = (f"{FIELD}: this patient already has an active {therapy_words(therapy)} order (order {other.id}, "
                   f"{product_name(other.product_id)}): a second active order of this therapy could give a second "
                   f"dose. Make that order inactive, or tick that a second active order of this therapy is meant")
        raise ValidationFailed(message, errors=[FieldError(FIELD, message)])
