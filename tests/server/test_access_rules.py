"""`access.visit_patients` (the push path's plain-SQL question) answers exactly as `access.visits`
(the ORM rule every page uses), for every kind of assignment a nurse can have."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

from server import access
from server.db.models import Assignment, Order, Patient, Visit


async def _visit_of(org, nurse, pharmacist, mrn: str, *, starts: int | None, ends: int | None, assignee=None):
    """A patient with one visit; assigned to `assignee` (default: `nurse`) from `starts` to `ends`
    days from today (None: no assignment / open-ended)."""
    patient = await Patient.create(organization=org, mrn=mrn, given_name=mrn, family_name="P",
                                   birth_date=date(1970, 1, 1), dosing_weight_kg=70)
    if starts is not None:
        today = date.today()
        await Assignment.create(organization=org, nurse=assignee or nurse, patient=patient,
                                starts_on=today + timedelta(days=starts),
                                ends_on=None if ends is None else today + timedelta(days=ends))
    order = await Order.create(organization=org, patient=patient, product_id="gammagard-liquid-10", indication="PI",
                               dose_g_per_kg=0.4, dose_g=28, dosing_weight_kg=70, prescriber="Dr", created_by=pharmacist)
    visit = await Visit.create(id=uuid.uuid4(), organization=org, patient=patient, order=order, nurse=nurse,
                               scheduled_at=datetime.now(timezone.utc))
    return visit.id, patient.id


async def test_visit_patients_agrees_with_visits_for_every_assignment_shape(
    org, other_org, nurse_ana, nurse_ben, pharmacist_pia, pharmacist_oz
):
    shapes = {
        "open": dict(starts=-3, ends=None), "today only": dict(starts=0, ends=0), "ended": dict(starts=-9, ends=-1),
        "future": dict(starts=1, ends=None), "ends today": dict(starts=-2, ends=0), "none": dict(starts=None, ends=None),
        "other nurse": dict(starts=-1, ends=None, assignee=nurse_ben),
    }
    made = {name: await _visit_of(org, nurse_ana, pharmacist_pia, f"MRN-{i}", **shape)
            for i, (name, shape) in enumerate(shapes.items())}
    foreign = await _visit_of(other_org, nurse_ana, pharmacist_oz, "MRN-X", starts=-1, ends=None)
    asked = [visit_id for visit_id, _ in made.values()] + [foreign[0], uuid.uuid4()]

    for user in (nurse_ana, nurse_ben, pharmacist_pia):
        expected = dict(await (await access.visits(user)).filter(id__in=asked).values_list("id", "patient_id"))
        assert {id_: visit.patient_id for id_, visit in (await access.visit_patients(user, asked)).items()} == expected

    ana = await access.visit_patients(nurse_ana, asked)
    assert set(ana) == {made[name][0] for name in ("open", "today only", "ends today")}
    assert ana[made["open"][0]].patient_id == made["open"][1]
    for user in (nurse_ana, pharmacist_pia):  # the times the push's window check reads, as stored
        read = (await access.visit_patients(user, [made["open"][0]]))[made["open"][0]]
        stored = await Visit.get(id=made["open"][0])
        assert (read.scheduled_at, read.time_in) == (stored.scheduled_at, None)
