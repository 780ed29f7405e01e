"""Two records of one person split her orders, visits and reactions between them: the next nurse reads half
a history, and a pharmacist may order for the wrong one. A walk added "mrn-1002" beside "MRN-1002", and a
second Keller, Bruno with the same birth date, and both were accepted. An MRN is one whatever its letter case;
a record with another's family name, given name and birth date is refused until the admin ticks that this is
another person (twins, a namesake)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.db.models import Patient
from server.errors import FieldError, ValidationFailed

if TYPE_CHECKING:
    from server.services.patients import PatientCreate

FIELD = "another_person"
MRN_TAKEN = "mrn: another patient of your organization has this MRN"


async def check(*, organization_id: int, data: PatientCreate, patient: Patient | None = None) -> None:
    """Raise ValidationFailed when the MRN is taken (in any letter case), or, unless ticked, when another record
    has this name and birth date."""
    others = Patient.filter(organization_id=organization_id)
    if patient is not None:
        others = others.exclude(id=patient.id)
    if await others.filter(mrn__iexact=data.mrn).exists():
        raise ValidationFailed(MRN_TAKEN, errors=[FieldError("mrn", MRN_TAKEN)])
    if data.another_person:
        return
    twin = await others.filter(family_name__iexact=data.family_name, given_name__iexact=data.given_name,
                               birth_date=data.birth_date).order_by("id").first()
    if twin is not None:
        message = (f"{FIELD}: {twin.display_name} ({twin.mrn}) has this name and birth date. Two records of one "
                   "person split the orders and visits between them: use that record, or tick that this is another "
                   "person.")
        raise ValidationFailed(message, errors=[FieldError(FIELD, message)])
