"""The admin pages (server/routes/admin.py) through the real HTTP stack: users, patients,
assignments, tablets and the audit log, always inside the admin's own organization."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta, timezone

import httpx
import pytest

from server.db.models import Assignment, AuditEntry, Patient, Role, User
from sync.models import Device
from tests.conftest import PASSWORD

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
NEW_PASSWORD = "a long enough initial password"


async def post_form(client: httpx.AsyncClient, url: str, data: dict, *, page: str = "/admin") -> httpx.Response:
    """Submit a form as a browser would: take the CSRF token from a page first."""
    token = CSRF_INPUT.search((await client.get(page)).text).group(1)
    return await client.post(url, data={**data, "csrf_token": token})


def entry_ids(html: str) -> list[int]:
    """The audit entry ids of a page of the audit log, in the order shown."""
    return [int(i) for i in re.findall(r"<tr>\s*<td>(\d+)</td>", html)]


def patient_form(**changes) -> dict:
    form = {
        "mrn": "MRN-NEW", "given_name": "Nia", "family_name": "Okafor", "birth_date": "1970-05-04",
        "allergies": "latex", "dosing_weight_kg": "68.5", "renal_risk": "on",
    }
    return {**form, **changes}


async def _device_of(org, user: User, label: str = "Spare") -> Device:
    now = datetime.now(timezone.utc)
    return await Device.create(id=uuid.uuid4(), organization_id=org.id, user_id=user.id, label=label,
                               created_at=now, last_seen_at=now)


# --- users -----------------------------------------------------------------------------------

async def test_admin_creates_a_user_who_can_then_log_in(client_factory, admin_ada, anonymous):
    admin = await client_factory(admin_ada)
    form = {"username": "Nurse_Cleo", "display_name": "Cleo Park, RN", "role": "nurse", "password": NEW_PASSWORD}
    response = await post_form(admin, "/admin/users", form)
    assert response.status_code == 303 and response.headers["location"].startswith("/admin/users")
    created = await User.get(username="nurse_cleo")
    assert created.organization_id == admin_ada.organization_id and created.role == Role.NURSE
    login = await anonymous.post("/api/session", json={"username": "nurse_cleo", "password": NEW_PASSWORD})
    assert login.status_code == 200
    assert await AuditEntry.filter(action="user.create", object_id=str(created.id), user_id=admin_ada.id).exists()


async def test_a_refused_new_user_re_renders_the_form_naming_the_field(client_factory, admin_ada):
    admin = await client_factory(admin_ada)
    form = {"username": "short_pw", "display_name": "Short", "role": "nurse", "password": "too short"}
    response = await post_form(admin, "/admin/users", form)
    assert response.status_code == 422
    assert "Password must be at least 12 characters" in response.text
    assert 'value="short_pw"' in response.text and "too short" not in response.text  # never echo a password
    assert not await User.exists(username="short_pw")


async def test_user_list_shows_only_the_admins_organization(client_factory, admin_ada, nurse_ana, pharmacist_oz):
    page = await (await client_factory(admin_ada)).get("/admin/users")
    assert page.status_code == 200
    assert "nurse_ana" in page.text and "pharmacist_oz" not in page.text


async def test_disabling_a_user_ends_their_session_at_once(client_factory, admin_ada, nurse_ana):
    nurse = await client_factory(nurse_ana)
    admin = await client_factory(admin_ada)
    response = await post_form(admin, f"/admin/users/{nurse_ana.id}/active", {"active": "false"})
    assert response.status_code == 303
    assert (await nurse.get("/api/patients")).status_code == 401
    assert not (await User.get(id=nurse_ana.id)).active
    assert await AuditEntry.filter(action="user.disable", object_id=str(nurse_ana.id), outcome="ok").exists()
    response = await post_form(admin, f"/admin/users/{nurse_ana.id}/active", {"active": "true"})
    assert response.status_code == 303 and (await User.get(id=nurse_ana.id)).active


async def test_an_admin_cannot_disable_themself(client_factory, admin_ada):
    admin = await client_factory(admin_ada)
    response = await post_form(admin, f"/admin/users/{admin_ada.id}/active", {"active": "false"})
    assert response.status_code == 403
    assert (await User.get(id=admin_ada.id)).active
    assert (await admin.get("/admin")).status_code == 200


async def test_an_admin_form_without_csrf_token_is_refused_and_changes_nothing(client_factory, admin_ada, nurse_ana):
    admin = await client_factory(admin_ada)
    await admin.get("/admin/users")
    response = await admin.post(f"/admin/users/{nurse_ana.id}/active", data={"active": "false"})
    assert response.status_code == 403
    assert (await User.get(id=nurse_ana.id)).active


# --- another organization ----------------------------------------------------------------------

async def test_admin_cannot_see_or_change_another_organizations_user_patient_or_device(
    client_factory, admin_ada, pharmacist_oz, patient_ola, other_org
):
    admin = await client_factory(admin_ada)
    device = await _device_of(other_org, pharmacist_oz)
    assert (await admin.get(f"/admin/patients/{patient_ola.id}")).status_code == 404
    assert (await post_form(admin, f"/admin/patients/{patient_ola.id}", patient_form(mrn="X"))).status_code == 404
    assert (await post_form(admin, f"/admin/users/{pharmacist_oz.id}/active", {"active": "false"})).status_code == 404
    assert (await post_form(admin, f"/admin/devices/{device.id}/revoke", {})).status_code == 404
    assert (await User.get(id=pharmacist_oz.id)).active
    assert (await Patient.get(id=patient_ola.id)).mrn == "MRN-OLA"
    assert (await Device.get(id=device.id)).revoked_at is None
    assert "MRN-OLA" not in (await admin.get("/admin/patients")).text
    assert "Spare" not in (await admin.get("/admin/devices")).text


async def test_other_roles_cannot_open_admin_pages(client_factory, nurse_ana, pharmacist_pia):
    for user in (nurse_ana, pharmacist_pia):
        assert (await (await client_factory(user)).get("/admin/users")).status_code == 403


# --- patients and assignments ---------------------------------------------------------------------

async def test_admin_adds_a_patient_and_a_second_patient_with_the_same_mrn_is_refused(
    client_factory, admin_ada, physician_phil
):
    admin = await client_factory(admin_ada)
    response = await post_form(admin, "/admin/patients", patient_form(physician_id=str(physician_phil.id)))
    assert response.status_code == 303
    patient = await Patient.get(mrn="MRN-NEW")
    assert (patient.organization_id, patient.physician_id) == (admin_ada.organization_id, physician_phil.id)
    assert patient.renal_risk and not patient.thrombosis_risk and patient.dosing_weight_kg == 68.5
    again = await post_form(admin, "/admin/patients", patient_form(given_name="Other"))
    assert again.status_code == 422 and "MRN: another patient" in again.text
    assert await Patient.filter(mrn="MRN-NEW").count() == 1


@pytest.mark.parametrize(
    "changes, field",
    [({"dosing_weight_kg": "0"}, "Dosing weight (kg)"), ({"dosing_weight_kg": "301"}, "Dosing weight (kg)"),
     ({"birth_date": "2999-01-01"}, "Birth date"), ({"family_name": ""}, "Family name")],
)
async def test_an_invalid_patient_re_renders_naming_the_field_and_saves_nothing(
    client_factory, admin_ada, changes, field
):
    response = await post_form(await client_factory(admin_ada), "/admin/patients", patient_form(**changes))
    assert response.status_code == 422
    assert f"{field}: " in response.text
    assert not await Patient.exists(mrn="MRN-NEW")


async def test_a_physician_of_another_organization_cannot_be_chosen(
    client_factory, admin_ada, other_org, password_hash
):
    outsider = await User.create(organization=other_org, username="dr_out", display_name="Dr Out",
                                 role=Role.PHYSICIAN, password_hash=password_hash)
    admin = await client_factory(admin_ada)
    response = await post_form(admin, "/admin/patients", patient_form(physician_id=str(outsider.id)))
    assert response.status_code == 422 and "Physician: " in response.text
    assert not await Patient.exists(mrn="MRN-NEW")


async def test_updating_a_patient_audits_the_changed_field_names_only(client_factory, admin_ada, patient_pat):
    admin = await client_factory(admin_ada)
    form = patient_form(mrn="MRN-PAT", given_name="Pat", family_name="Testperson", birth_date="1960-01-01",
                        dosing_weight_kg="72", allergies="", renal_risk=None, iga_deficiency="on",
                        physician_id=str(patient_pat.physician_id))
    form = {k: v for k, v in form.items() if v is not None}
    page = f"/admin/patients/{patient_pat.id}"
    response = await post_form(admin, page, form, page=page)
    assert response.status_code == 303
    saved = await Patient.get(id=patient_pat.id)
    assert saved.dosing_weight_kg == 72 and saved.iga_deficiency and not saved.renal_risk
    entry = await AuditEntry.filter(action="patient.update", object_id=str(patient_pat.id)).get()
    assert entry.detail == {"changed": ["dosing_weight_kg", "iga_deficiency"]}


async def test_assigning_a_nurse_gives_her_the_patient(client_factory, admin_ada, nurse_ben, patient_pat):
    nurse = await client_factory(nurse_ben)
    assert (await nurse.get(f"/api/patients/{patient_pat.id}")).status_code == 404
    admin = await client_factory(admin_ada)
    form = {"nurse_id": str(nurse_ben.id), "starts_on": date.today().isoformat()}
    response = await post_form(admin, f"/admin/patients/{patient_pat.id}/assignments", form)
    assert response.status_code == 303
    assert (await nurse.get(f"/api/patients/{patient_pat.id}")).status_code == 200
    again = await post_form(admin, f"/admin/patients/{patient_pat.id}/assignments", form)
    assert again.status_code == 422 and "From: this nurse is already assigned" in again.text


async def test_ending_an_assignment_removes_the_nurses_access_and_keeps_the_row(
    client_factory, admin_ada, nurse_ana, patient_pat
):
    nurse = await client_factory(nurse_ana)
    assert (await nurse.get(f"/api/patients/{patient_pat.id}")).status_code == 200
    assignment = await Assignment.get(patient=patient_pat, nurse=nurse_ana)
    admin = await client_factory(admin_ada)
    response = await post_form(admin, f"/admin/assignments/{assignment.id}/end", {})
    assert response.status_code == 303 and response.headers["location"].startswith(f"/admin/patients/{patient_pat.id}")
    assert (await nurse.get(f"/api/patients/{patient_pat.id}")).status_code == 404
    assert (await Assignment.get(id=assignment.id)).ends_on == date.today() - timedelta(days=1)
    assert await AuditEntry.filter(action="assignment.end", object_id=str(assignment.id)).exists()


# --- tablets -----------------------------------------------------------------------------------------

async def test_revoking_a_tablet_ends_that_tablets_session_only(client_factory, admin_ada, nurse_ana):
    device_id = uuid.uuid4()
    tablet = await client_factory(nurse_ana, device_id=str(device_id), device_label="Tab")
    desk = await client_factory(nurse_ana)
    admin = await client_factory(admin_ada)
    listing = await admin.get("/admin/devices")
    assert "Tab" in listing.text and str(device_id) in listing.text
    assert f"Tablet {device_id.hex[:4].upper()}" in listing.text  # the code on the tablet's top bar
    response = await post_form(admin, f"/admin/devices/{device_id}/revoke", {"reason": "Lost on a visit"})
    assert response.status_code == 303
    refused = await tablet.get("/api/session")
    assert (refused.status_code, refused.json()["code"]) == (403, "device_revoked")
    assert (await desk.get("/api/session")).status_code == 200
    assert (await Device.get(id=device_id)).revoked_at is not None
    assert await AuditEntry.filter(action="device.revoke", object_id=str(device_id), user_id=admin_ada.id).exists()


# --- audit log ---------------------------------------------------------------------------------------

async def test_audit_page_shows_the_chain_check_and_pages_newest_first(client_factory, admin_ada, nurse_ana):
    admin = await client_factory(admin_ada)
    for _ in range(3):
        await post_form(admin, f"/admin/users/{nurse_ana.id}/active", {"active": "true"})
    page = await admin.get("/admin/audit")
    assert page.status_code == 200 and "Chain intact" in page.text
    ids = entry_ids(page.text)
    assert ids == sorted(ids, reverse=True) and len(ids) >= 4
    older = await admin.get(f"/admin/audit?before={ids[1]}")
    assert entry_ids(older.text)[0] == ids[2]
    assert (await admin.get("/admin/audit?before=abc")).status_code == 400


async def test_audit_page_never_shows_another_organizations_entries(client_factory, admin_ada, pharmacist_oz):
    await client_factory(pharmacist_oz)  # a login in the other organization
    other = await AuditEntry.filter(organization_id=pharmacist_oz.organization_id).first()
    page = await (await client_factory(admin_ada)).get("/admin/audit")
    shown = entry_ids(page.text)
    assert shown and other.id not in shown
    assert PASSWORD not in page.text


async def test_audit_log_names_people_and_filters_by_person_action_and_day(client_factory, admin_ada, nurse_ana):
    admin = await client_factory(admin_ada)
    await client_factory(nurse_ana)  # a login of the nurse's, audited
    everything = (await admin.get("/admin/audit")).text
    assert f"{nurse_ana.display_name} ({nurse_ana.username})" in everything

    mine = await admin.get(f"/admin/audit?user={nurse_ana.id}&action=login")
    today = date.today().isoformat()
    dated = await admin.get(f"/admin/audit?action=login&since={today}&until={today}")
    none_before = await admin.get("/admin/audit?action=login&until=2000-01-01")

    login_ids = [e.id for e in await AuditEntry.filter(user_id=nurse_ana.id, action="login")]
    assert entry_ids(mine.text) == sorted(login_ids, reverse=True) and login_ids
    assert set(login_ids) <= set(entry_ids(dated.text))
    assert entry_ids(none_before.text) == []
    bad = await admin.get("/admin/audit?since=yesterday")
    assert bad.status_code == 400 and "since must be a date" in bad.text


@pytest.mark.parametrize("name, day", [("until", "9999-12-31"), ("since", "9999-12-31"), ("since", "0001-01-01"),
                                       ("until", "2201-01-01")])
async def test_a_far_off_date_on_the_audit_filter_is_refused_naming_the_field(client_factory, admin_ada, name, day):
    """9999-12-31 has no next day to end the filter at (was a 500): a filter's days lie in 1900..2200."""
    refused = await (await client_factory(admin_ada)).get(f"/admin/audit?{name}={day}")
    assert refused.status_code == 400
    assert f"{name} must be a day in the years 1900 to 2200" in refused.text


async def test_the_audit_filter_takes_the_first_and_last_days_of_its_range(client_factory, admin_ada):
    page = await (await client_factory(admin_ada)).get("/admin/audit?since=1900-01-01&until=2200-12-31")
    assert page.status_code == 200 and entry_ids(page.text)


@pytest.mark.parametrize("name, longest", [("action", 64), ("object_type", 32), ("object_id", 64), ("outcome", 16)])
async def test_an_audit_filter_longer_than_its_column_is_refused_naming_the_field(client_factory, admin_ada,
                                                                                  name, longest):
    """Nothing stored is longer than its column: such a filter was a 500, or cut short to match other rows."""
    admin = await client_factory(admin_ada)
    assert (await admin.get(f"/admin/audit?{name}={'a' * longest}")).status_code == 200
    refused = await admin.get(f"/admin/audit?{name}={'a' * (longest + 1)}")
    assert refused.status_code == 400
    assert f"{name} must be at most {longest} characters" in refused.text
