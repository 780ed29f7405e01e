"""Penetration test 16.6: sync reads left no audit entry (a pharmacist's pull of 115 events,
refused pulls, quarantine reads).

The rule (HIPAA 164.312(b), ONC 170.315(d)(2)): every read of patient data is audited, whatever
the route, refused reads too. Built from the app's own route table (server.middleware.read_audit
holds the one list of routes that show no patient data), so a new route is covered at once.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from server.db.models import AuditEntry, Order, Role, Visit, VisitStatus
from server.middleware.read_audit import AUDITED_BY_HANDLER, NO_PATIENT_DATA, reads_patient_data
from tests.api.conftest import projected, tablet_ana  # noqa: F401 (fixtures)
from tests.api.events import one_event
from tests.server.test_access_matrix import RULES, app_routes, fill, objects  # noqa: F401 (fixture)

PERSONAS = {Role.NURSE: "nurse_ana", Role.PHARMACIST: "pharmacist_pia", Role.PHYSICIAN: "physician_phil",
            Role.ADMIN: "admin_ada", Role.BILLER: "biller_bea"}

# The route is open to the role, the object is not: admins hold no clinical detail, billers no patient list
# or orders, only signed-off visits (server.access).
OUT_OF_SCOPE = {(Role.ADMIN, "/api/orders/{order_id:int}"), (Role.ADMIN, "/api/visits/{visit_id:uuid}"),
                (Role.BILLER, "/api/patients/{patient_id:int}"), (Role.BILLER, "/api/orders/{order_id:int}")}


def patient_data_reads(app) -> list[str]:
    return [path for method, path in app_routes(app) if reads_patient_data(method, path)]


async def newest_audit_id() -> int:
    newest = await AuditEntry.all().order_by("-id").first()
    return newest.id if newest else 0


async def entries_since(before: int, user_id: int) -> list[AuditEntry]:
    return await AuditEntry.filter(id__gt=before, user_id=user_id).order_by("id")


def test_every_route_said_to_show_no_patient_data_exists(app):
    gets = {path for method, path in app_routes(app) if method == "GET"}
    assert not NO_PATIENT_DATA - gets, f"stale entries in NO_PATIENT_DATA: {sorted(NO_PATIENT_DATA - gets)}"
    assert AUDITED_BY_HANDLER <= gets - NO_PATIENT_DATA
    assert len(patient_data_reads(app)) >= 20  # the rule covers the patient-data routes, not a handful


@pytest.mark.parametrize("role", list(PERSONAS))
async def test_every_read_of_patient_data_on_any_route_leaves_an_audit_entry_refused_reads_too(
        request, client_factory, tablet_ana, projected, objects, biller_bea, role):  # noqa: F811
    """Each GET route that shows patient data, as each role: a role allowed to use the route reads
    its own organization's data (200, an entry with outcome ok); a role that may not use the
    route, or not see the object, is refused (403 or 404, an entry with outcome denied)."""
    noted = await tablet_ana.push([one_event(objects["visit_id"], 1, "note", {"text": "matrix"})])  # a pull finds it
    assert noted.json()["results"][0]["status"] == "accepted"
    await projected()  # the fold sets the status; the review below comes after it
    await Visit.filter(id=objects["visit_id"]).update(status=VisitStatus.REVIEWED)  # physicians see reviewed visits
    user = request.getfixturevalue(PERSONAS[role])
    client = await client_factory(user)
    failures = []
    for path in patient_data_reads(client._transport.app):
        before = await newest_audit_id()
        response = await client.get(fill(path, objects), follow_redirects=False)
        allowed = role in RULES[("GET", path)].roles and (role, path) not in OUT_OF_SCOPE
        rows = await entries_since(before, user.id)
        outcomes = {row.outcome for row in rows}
        if allowed and response.status_code >= 400:
            failures.append(f"{path}: {response.status_code} for a role allowed to read it (the test's data is wrong)")
        elif not allowed and response.status_code not in (403, 404):
            failures.append(f"{path}: {response.status_code} for a role that may not use it")
        elif not rows:
            failures.append(f"{path}: {response.status_code} and no audit entry")
        elif ("ok" if allowed else "denied") not in outcomes:
            failures.append(f"{path}: {response.status_code} audited with outcomes {sorted(outcomes)}")
    assert not failures, "\n".join(failures)


async def test_a_pharmacists_pull_of_115_events_is_one_entry_naming_the_visits_and_the_count(
        client_factory, tablet_ana, pharmacist_pia, org, nurse_ana, patient_pat):  # noqa: F811
    order = await Order.get(patient=patient_pat)
    visits = [await Visit.create(id=uuid.uuid4(), organization=org, patient=patient_pat, order=order, nurse=nurse_ana,
                                 scheduled_at=datetime.now(timezone.utc)) for _ in range(2)]
    notes = [one_event(visits[n % 2].id, n + 1, "note", {"text": f"note {n}"}) for n in range(115)]
    pushed = await tablet_ana.push(notes)
    assert {r["status"] for r in pushed.json()["results"]} == {"accepted"}

    pharmacist = await client_factory(pharmacist_pia)
    before = await newest_audit_id()
    page = (await pharmacist.get("/api/sync/pull?after=0&limit=1000")).json()
    assert len(page["events"]) == 115

    rows = await entries_since(before, pharmacist_pia.id)
    assert [(row.action, row.outcome) for row in rows] == [("sync.pull", "ok")]
    assert rows[0].detail["count"] == 115
    assert sorted(rows[0].detail["visit_ids"]) == sorted(str(v.id) for v in visits)


async def test_a_refused_pull_of_a_visit_is_audited_as_denied(client_factory, nurse_ben, objects):
    client = await client_factory(nurse_ben)
    before = await newest_audit_id()
    response = await client.get(f"/api/sync/pull?visit={objects['visit_id']}")
    assert response.status_code == 404
    rows = await entries_since(before, nurse_ben.id)
    assert [(row.action, row.outcome, row.detail["visit"]) for row in rows] == \
        [("sync.pull", "denied", str(objects["visit_id"]))]


async def test_an_empty_pull_shows_nothing_and_is_not_recorded(client_factory, nurse_ana):
    """An idle tablet pulls every minute; recording those would double an idle fleet's entries."""
    client = await client_factory(nurse_ana)
    before = await newest_audit_id()
    assert (await client.get("/api/sync/pull?after=0")).json()["events"] == []
    assert await entries_since(before, nurse_ana.id) == []


async def test_a_malformed_pull_is_recorded_as_failed(client_factory, nurse_ana):
    client = await client_factory(nurse_ana)
    before = await newest_audit_id()
    assert (await client.get("/api/sync/pull?after=-1")).status_code == 400
    rows = await entries_since(before, nurse_ana.id)
    assert [(row.action, row.outcome, row.detail) for row in rows] == [("route.read", "failed", {"status": 400})]


async def test_reading_ones_own_quarantined_entries_is_audited(client_factory, tablet_ana, nurse_ana, objects):  # noqa: F811
    await Visit.filter(id=objects["visit_id"]).update(status=VisitStatus.SIGNED)
    held = await tablet_ana.push([one_event(uuid.UUID(str(objects["visit_id"])), 1, "vitals", {"pulse": "fast"})])
    assert held.json()["results"][0]["status"] == "quarantined"
    before = await newest_audit_id()
    shown = (await tablet_ana.client.get("/api/sync/quarantine")).json()["quarantined"]
    rows = await entries_since(before, nurse_ana.id)
    assert [(row.action, row.detail["count"]) for row in rows] == [("sync.quarantine.read", len(shown))]
    assert rows[0].detail["visit_ids"] == [str(objects["visit_id"])]


async def test_an_admin_refused_the_sync_pull_is_audited_as_denied(client_factory, admin_ada):
    client = await client_factory(admin_ada)
    before = await newest_audit_id()
    assert (await client.get("/api/sync/pull")).status_code == 403
    rows = await entries_since(before, admin_ada.id)
    assert [(row.action, row.outcome, row.object_id, row.detail) for row in rows] == \
        [("route.read", "denied", "/api/sync/pull", {"status": 403})]


async def test_anonymous_requests_are_not_audited_as_reads(anonymous, objects):
    before = await newest_audit_id()
    assert (await anonymous.get("/api/sync/pull")).status_code == 401
    assert await AuditEntry.filter(id__gt=before).count() == 0
