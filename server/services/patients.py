"""Managing patients and their nurses' assignments (the admin's side of DESIGN section 3).

Assignments are never deleted: ending one sets `ends_on` to yesterday, so the nurse's access
stops today and the history of who could see the patient, and when, stays readable.
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from server import access, audit
from server.db.models import Assignment, Patient, Role, User
from server.errors import FieldError, ValidationFailed
from server.services import booked_visits, same_person
from server.services.local_time import LocalTime
from server.services.weights import WeightKg

PATIENT_FIELDS = (
    "mrn", "given_name", "family_name", "birth_date", "allergies", "dosing_weight_kg",
    "thrombosis_risk", "renal_risk", "iga_deficiency", "physician_id",
)
MRN_TAKEN = same_person.MRN_TAKEN


class PatientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)
    mrn: str = Field(min_length=1, max_length=32)
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    birth_date: date
    allergies: str = Field(default="", max_length=2000)
    dosing_weight_kg: WeightKg
    thrombosis_risk: bool = False
    renal_risk: bool = False
    iga_deficiency: bool = False
    physician_id: int | None = None
    another_person: bool = False  # ticked: a patient of the same name and birth date is someone else (same_person)

    @field_validator("birth_date")
    @classmethod
    def _plausible_birth_date(cls, value: date) -> date:
        if value > date.today() or value.year < 1900:
            raise ValueError("enter a birth date between 1900 and today")
        return value


class PatientUpdate(PatientCreate):
    """The whole patient record as the admin left it (unchecked risk flags mean cleared)."""


class AssignmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nurse_id: int
    starts_on: date
    ends_on: date | None = None

    @field_validator("ends_on")
    @classmethod
    def _ends_after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        starts_on = info.data.get("starts_on")
        if value is not None and starts_on is not None and value < starts_on:
            raise ValueError("the last day cannot be before the first day")
        return value


def _invalid(field: str, message: str) -> ValidationFailed:
    text = f"{field}: {message}"
    return ValidationFailed(text, errors=[FieldError(field, text)])


async def org_members(organization_id: int, role: Role) -> list[User]:
    """The organization's active users holding `role`, for choosing a physician or a nurse."""
    return await User.filter(organization_id=organization_id, role=role, active=True).order_by("display_name")


async def _check_physician(admin: User, physician_id: int | None) -> None:
    if physician_id is None:
        return
    if not await User.exists(id=physician_id, organization_id=admin.organization_id, role=Role.PHYSICIAN):
        raise _invalid("physician_id", "choose one of your organization's physicians")


async def create_patient(*, admin: User, data: PatientCreate) -> Patient:
    await _check_physician(admin, data.physician_id)
    await same_person.check(organization_id=admin.organization_id, data=data)
    try:
        async with in_transaction("default") as connection:
            patient = await Patient.create(
                organization_id=admin.organization_id, **data.model_dump(exclude={"another_person"}), using_db=connection
            )
            await audit.record("patient.create", actor=access.actor(admin), object_type="patient", object_id=patient.id)
    except IntegrityError:  # the same MRN saved a moment ago by someone else
        raise ValidationFailed(MRN_TAKEN, errors=[FieldError("mrn", MRN_TAKEN)]) from None
    return patient


async def update_patient(*, patient: Patient, admin: User, changes: PatientUpdate) -> Patient:
    """Save the record; the audit entry names the changed fields, never their values."""
    await _check_physician(admin, changes.physician_id)
    await same_person.check(organization_id=admin.organization_id, data=changes, patient=patient)
    values = changes.model_dump()
    changed = [name for name in PATIENT_FIELDS if getattr(patient, name) != values[name]]
    if not changed:
        return patient
    for name in changed:
        setattr(patient, name, values[name])
    try:
        async with in_transaction("default") as connection:
            await patient.save(update_fields=changed, using_db=connection)
            await audit.record(
                "patient.update", actor=access.actor(admin), object_type="patient", object_id=patient.id,
                detail={"changed": changed},
            )
    except IntegrityError:
        raise ValidationFailed(MRN_TAKEN, errors=[FieldError("mrn", MRN_TAKEN)]) from None
    return patient


async def assign_nurse(*, patient: Patient, admin: User, data: AssignmentCreate) -> Assignment:
    nurse = await User.get_or_none(
        id=data.nurse_id, organization_id=admin.organization_id, role=Role.NURSE, active=True
    )
    if nurse is None:
        raise _invalid("nurse_id", "choose one of your organization's active nurses")
    if await _overlapping(patient, nurse, data):
        raise _invalid("starts_on", "this nurse is already assigned to this patient for some of these days")
    assignment = await Assignment.create(
        organization_id=admin.organization_id, nurse=nurse, patient=patient,
        starts_on=data.starts_on, ends_on=data.ends_on,
    )
    await audit.record(
        "assignment.create", actor=access.actor(admin), object_type="assignment", object_id=assignment.id,
        detail={"patient_id": patient.id, "nurse_id": nurse.id},
    )
    return assignment


async def _overlapping(patient: Patient, nurse: User, data: AssignmentCreate) -> bool:
    """Another assignment of this nurse to this patient shares at least one day with `data`."""
    query = Assignment.filter(patient_id=patient.id, nurse_id=nurse.id).filter(
        Q(ends_on=None) | Q(ends_on__gte=data.starts_on)
    )
    if data.ends_on is not None:
        query = query.filter(starts_on__lte=data.ends_on)
    return await query.exists()


async def end_assignment(*, assignment: Assignment, admin: User, clock: LocalTime) -> Assignment:
    """Stop the nurse's access today (ends_on = yesterday; one not yet begun ends the day before its first, so
    it holds no day); an earlier end is kept as it is. Refused while she has visits of the patient booked from
    today: they would be stranded under a nurse who can no longer open them (a walk)."""
    await booked_visits.check_none_left(nurse_id=assignment.nurse_id, clock=clock, patient_id=assignment.patient_id)
    yesterday = date.today() - timedelta(days=1)
    end = max(yesterday, assignment.starts_on - timedelta(days=1))
    if assignment.ends_on is None or assignment.ends_on > end:
        assignment.ends_on = end
        await assignment.save(update_fields=["ends_on"])
    await audit.record(
        "assignment.end", actor=access.actor(admin), object_type="assignment", object_id=assignment.id,
        detail={"patient_id": assignment.patient_id, "nurse_id": assignment.nurse_id},
    )
    return assignment
