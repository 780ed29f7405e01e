"""The quarantine page: pharmacists and admins see what was kept aside and why; nurses do not."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.api.events import one_event


async def test_pharmacist_sees_held_entries_with_reason_and_content(client_factory, tablet_ana, pharmacist_pia, scheduled_visit):
    bad = one_event(scheduled_visit.id, 1, "vitals", {"temp_c": 53, "position": "<script>alert(1)</script>"})
    await tablet_ana.push([bad])
    page = await (await client_factory(pharmacist_pia)).get("/quarantine")
    assert page.status_code == 200
    assert bad["id"] in page.text and "invalid_payload" in page.text and "needs correction" in page.text
    assert "Content as sent" in page.text
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text


async def test_admin_sees_reasons_but_no_clinical_content(client_factory, tablet_ana, admin_ada, scheduled_visit):
    await tablet_ana.push([one_event(scheduled_visit.id, 1, "vitals", {"temp_c": 53})])
    page = (await (await client_factory(admin_ada)).get("/quarantine")).text
    assert "invalid_payload" in page and "Content as sent" not in page and '"temp_c"' not in page


async def test_resolved_entries_leave_the_default_view(client_factory, tablet_ana, pharmacist_pia, scheduled_visit):
    bad = one_event(scheduled_visit.id, 1, "vitals", {"temp_c": 53})
    await tablet_ana.push([bad])
    fix = {**one_event(scheduled_visit.id, 2, "vitals", {"temp_c": 37.9}), "resolves": bad["id"]}
    assert (await tablet_ana.push([fix])).json()["results"][0]["status"] == "accepted"
    desk = await client_factory(pharmacist_pia)
    assert bad["id"] not in (await desk.get("/quarantine")).text
    assert f"resolved by {fix['id']}" in (await desk.get("/quarantine?show=all")).text


async def test_nurse_cannot_open_the_quarantine_page(tablet_ana):
    assert (await tablet_ana.client.get("/quarantine")).status_code == 403


async def test_pharmacist_sees_whose_visit_each_entry_is_on_and_the_admin_does_not(
    client_factory, tablet_ana, pharmacist_pia, admin_ada, scheduled_visit
):
    """A walk's page named only ids: the pharmacist is told the patient and led to the visit."""
    await tablet_ana.push([one_event(scheduled_visit.id, 1, "vitals", {"temp_c": 53})])
    patient = await scheduled_visit.patient
    page = (await (await client_factory(pharmacist_pia)).get("/quarantine")).text
    assert f'<a href="/review/visits/{scheduled_visit.id}">{patient.display_name} · {patient.mrn}</a>' in page
    assert "1 entry." in page
    assert patient.mrn not in (await (await client_factory(admin_ada)).get("/quarantine")).text


async def test_an_entry_kept_aside_for_its_time_is_not_offered_to_accept(client_factory, tablet_ana, pharmacist_pia, scheduled_visit):
    """Accepting runs the same checks again: an entry dated ten days ahead would be refused again (a walk was offered it)."""
    ahead = one_event(scheduled_visit.id, 1, "vitals", {"temp_c": 37.0})
    ahead["occurred_at"] = ahead["recorded_at"] = (datetime.now(timezone.utc) + timedelta(days=10)).isoformat()
    payload_error = one_event(scheduled_visit.id, 2, "vitals", {"temp_c": 53})
    await tablet_ana.push([ahead, payload_error])
    page = (await (await client_factory(pharmacist_pia)).get("/quarantine")).text
    rows = {row.split('"', 1)[0]: row for row in page.split('<tr data-event-id="')[1:]}
    assert "time_in_future" in rows[ahead["id"]] and "/accept" not in rows[ahead["id"]]
    assert "/accept" in rows[payload_error["id"]]
