"""An order that does not fit its patient: a product whose label gives it only from an age the patient has
not reached (a walk ordered Octagam 10%, from 18 years, for a child of 7), or an immune globulin for a
patient with IgA deficiency, where anaphylaxis comes from (CLINICAL.md s.4). Neither is refused outright
(a prescriber may choose a product off-label, or a low-IgA one): each is asked until the pharmacist ticks
that it is meant. An edit that keeps the product and indication is not asked again."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from server.db.models import Order, Patient
from server.errors import FieldError, ValidationFailed
from server.services.catalogue_names import catalog, product_name

if TYPE_CHECKING:
    from server.services.orders import OrderCreate

AGE_FIELD, IGA_FIELD = "age_meant", "iga_meant"
IMMUNE_GLOBULINS = ("ivig", "scig")


def age_years(birth_date: date, today: date) -> int:
    """Whole years of age on `today`."""
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def _label_age(product_id: str, indication: str) -> tuple[int | None, str]:
    """The youngest age the label gives the product for, and where it says so."""
    unrated = catalog().unrated_product(product_id)
    if unrated is not None:
        return unrated.min_age_years, unrated.source
    protocol = catalog().protocol_for(product_id, indication)
    return (protocol.provenance.min_age_years if protocol.provenance else None), protocol.source


def _questions(patient: Patient, data: OrderCreate) -> list[FieldError]:
    name, years = product_name(data.product_id), age_years(patient.birth_date, date.today())
    errors = []
    youngest, source = _label_age(data.product_id, data.indication)
    if youngest is not None and years < youngest and not data.age_meant:
        errors.append(FieldError(AGE_FIELD, f"{AGE_FIELD}: the label gives {name} for {data.indication} from "
                                 f"{youngest} years ({source.split(':')[0]}); {patient.display_name} is {years}. Choose another "
                                 "product, or tick that this one is meant at this age (the prescriber chose it)."))
    therapy = catalog().product(data.product_id).therapy
    if patient.iga_deficiency and therapy in IMMUNE_GLOBULINS and not data.iga_meant:
        errors.append(FieldError(IGA_FIELD, f"{IGA_FIELD}: flagged on {patient.display_name}'s record; immune "
                                 "globulin can cause anaphylaxis in IgA-deficient patients (CLINICAL.md s.4). Tick "
                                 "that the prescriber ordered this product knowing it (e.g. a low-IgA product)."))
    return errors


def check(*, patient: Patient, data: OrderCreate, order: Order | None = None) -> None:
    """Raise ValidationFailed with each question still open, unless the edit keeps the product."""
    if order is not None and (order.product_id, order.indication) == (data.product_id, data.indication):
        return
    errors = _questions(patient, data)
    if errors:
        raise ValidationFailed("; ".join(error.message for error in errors), errors=errors)
