"""A nurse's booked visits are not stranded (server/services/booked_visits.py): ending her assignment to the
patient, or disabling her account, is refused while she has visits booked from today, naming the first; the
pharmacist gives them to another nurse with Move. A walk ended an assignment with three visits booked."""

from __future__ import annotations

import html
from datetime import date, datetime, timedelta, timezone

from server.db.models import Assignment, AuditEntry, User, Visit
from tests.server.test_admin_pages import post_form


async def _booked(patient, nurse, order, days: int) -> Visit:
    at = datetime.now(timezone.utc).replace(hour=15, minute=0, second=0, microsecond=0) + timedelta(days=days)
    return await Visit.create(organization_id=patient.organization_id, patient=patient, order=order, nurse=nurse,
                              scheduled_at=at)


async def test_an_assignment_with_visits_booked_is_not_ended_until_they_go_to_another_nurse(
        client_factory, admin_ada, pharmacist_pia, nurse_ana, nurse_ben, patient_pat):
    order = await patient_pat.orders.all().first()
    await Assignment.create(organization_id=patient_pat.organization_id, nurse=nurse_ben, patient=patient_pat,
                            starts_on=date.today())
    visit = await _booked(patient_pat, nurse_ana, order, 1)
    await _booked(patient_pat, nurse_ana, order, 8)
    ana = await Assignment.get(nurse=nurse_ana, patient=patient_pat)
    admin = await client_factory(admin_ada)
    page_url = f"/admin/patients/{patient_pat.id}"
    refused = await post_form(admin, f"/admin/assignments/{ana.id}/end", {}, page=page_url)
    text = html.unescape(refused.text)
    assert refused.status_code == 409
    assert f"Nurse Ana has 2 visits booked from {visit.scheduled_at:%Y-%m-%d %H:%M} UTC" in text
    assert "A pharmacist gives them to another nurse (Move, on the patient's schedule) or cancels them first." in text
    assert (await Assignment.get(id=ana.id)).ends_on is None

    desk = await client_factory(pharmacist_pia)
    for booked in await Visit.filter(nurse=nurse_ana):
        move_url = f"/pharmacy/visits/{booked.id}/move"
        local = booked.scheduled_at  # the test server's zone is UTC
        moved = await post_form(desk, move_url, {"date": f"{local:%Y-%m-%d}", "time": f"{local:%H:%M}",
                                                 "nurse_id": str(nurse_ben.id), "reason": "Ana leaves"}, page=move_url)
        assert moved.status_code == 303, html.unescape(moved.text)
    assert await Visit.filter(nurse=nurse_ben).count() == 2
    audit = await AuditEntry.filter(action="visit.move").first()
    assert (audit.detail["nurse_from"], audit.detail["nurse_to"]) == (nurse_ana.id, nurse_ben.id)
    assert (await post_form(admin, f"/admin/assignments/{ana.id}/end", {}, page=page_url)).status_code == 303


async def test_a_nurse_with_visits_booked_is_not_disabled(client_factory, admin_ada, nurse_ana, patient_pat):
    await _booked(patient_pat, nurse_ana, await patient_pat.orders.all().first(), 2)
    admin = await client_factory(admin_ada)
    refused = await post_form(admin, f"/admin/users/{nurse_ana.id}/active", {"active": "false"}, page="/admin/users")
    assert refused.status_code == 409 and "Nurse Ana has 1 visit booked from" in html.unescape(refused.text)
    assert (await User.get(id=nurse_ana.id)).active


async def test_a_future_assignment_ended_is_withdrawn_before_its_first_day(client_factory, admin_ada, nurse_ben,
                                                                           patient_pat):
    later = await Assignment.create(organization_id=patient_pat.organization_id, nurse=nurse_ben, patient=patient_pat,
                                    starts_on=date.today() + timedelta(days=7))
    admin = await client_factory(admin_ada)
    page_url = f"/admin/patients/{patient_pat.id}"
    assert (await post_form(admin, f"/admin/assignments/{later.id}/end", {}, page=page_url)).status_code == 303
    assert (await Assignment.get(id=later.id)).ends_on == later.starts_on - timedelta(days=1)
    assert "withdrawn before its first day" in (await admin.get(page_url)).text
