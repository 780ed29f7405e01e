"""Route × role × foreign object, built from the app's own route table.

Every route must appear in RULES, so a new route without an access rule fails the suite.
For each route that names an object, a user who may use the route but not see the object
gets 404 (DESIGN section 6); a user whose role may not use the route gets 403 or 404;
an anonymous caller gets 401 (API) or a redirect to the login page (HTML).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest
from starlette.routing import Mount, Route

from server.auth import csrf
from server.db.models import Assignment, Order, Role, User, Visit
from sync.models import Device, Quarantine
from tests.conftest import _user

ALL = frozenset(Role)
N, PH, DR, AD, BI = Role.NURSE, Role.PHARMACIST, Role.PHYSICIAN, Role.ADMIN, Role.BILLER


@dataclass(frozen=True)
class Rule:
    roles: frozenset  # roles that may use the route at all; empty = public


def rule(*roles: Role) -> Rule:
    return Rule(frozenset(roles))


PUBLIC = Rule(frozenset())

RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("POST", "/api/session"): PUBLIC,
    ("GET", "/api/openapi.json"): PUBLIC,
    ("GET", "/sw.js"): PUBLIC,
    ("GET", "/app"): PUBLIC,
    ("GET", "/favicon.ico"): PUBLIC,
    ("GET", "/account/password"): Rule(ALL),
    ("POST", "/account/password"): Rule(ALL),
    ("GET", "/api/device-key"): rule(N),
    ("GET", "/quarantine"): rule(PH, AD),
    ("GET", "/pharmacy/payer-proof"): rule(PH, BI),
    ("GET", "/pharmacy/payer-proof.csv"): rule(PH, BI),
    ("GET", "/quarantine/{quarantine_id:int}/sent.json"): rule(PH),
    ("POST", "/quarantine/{quarantine_id:int}/accept"): rule(PH),
    ("POST", "/quarantine/{quarantine_id:int}/reject"): rule(PH),
    ("GET", "/api/session"): Rule(ALL),
    ("DELETE", "/api/session"): Rule(ALL),
    ("GET", "/nurse"): rule(N),
    ("GET", "/physician"): rule(DR),
    ("GET", "/api/patients"): Rule(ALL),
    ("GET", "/api/patients/{patient_id:int}"): Rule(ALL),
    ("GET", "/api/orders"): Rule(ALL),
    ("GET", "/api/orders/{order_id:int}"): Rule(ALL),
    ("GET", "/api/reference"): Rule(ALL),
    ("GET", "/api/visits"): Rule(ALL),
    ("GET", "/api/visits/{visit_id:uuid}"): Rule(ALL),
    ("POST", "/api/sync/push"): rule(N, PH, DR),
    ("POST", "/api/sync/surrender"): rule(N),
    ("GET", "/api/sync/pull"): rule(N, PH, DR),
    ("GET", "/api/sync/quarantine"): rule(N, PH, DR),
    ("GET", "/pharmacy"): rule(PH),
    ("GET", "/pharmacy/catalogue"): rule(PH),
    ("POST", "/pharmacy/at-risk-cap"): rule(PH),
    ("GET", "/pharmacy/catalogue/row"): rule(PH),
    ("GET", "/pharmacy/catalogue/edit"): rule(PH),
    ("POST", "/pharmacy/catalogue/edit"): rule(PH),
    ("POST", "/pharmacy/catalogue/verify"): rule(PH),
    ("GET", "/pharmacy/patients/{patient_id:int}"): rule(PH),
    ("GET", "/pharmacy/patients/{patient_id:int}/orders/new"): rule(PH),
    ("POST", "/pharmacy/patients/{patient_id:int}/orders"): rule(PH),
    ("GET", "/pharmacy/orders/{order_id:int}/edit"): rule(PH),
    ("POST", "/pharmacy/orders/{order_id:int}"): rule(PH),
    ("GET", "/pharmacy/patients/{patient_id:int}/schedule"): rule(PH),
    ("POST", "/pharmacy/patients/{patient_id:int}/schedule"): rule(PH),
    ("GET", "/pharmacy/visits/{visit_id:uuid}/move"): rule(PH),
    ("POST", "/pharmacy/visits/{visit_id:uuid}/move"): rule(PH),
    ("GET", "/pharmacy/visits/{visit_id:uuid}/cancel"): rule(PH),
    ("POST", "/pharmacy/visits/{visit_id:uuid}/cancel"): rule(PH),
    ("GET", "/pharmacy/visits/{visit_id:uuid}/orders"): rule(PH),
    ("POST", "/pharmacy/visits/{visit_id:uuid}/orders"): rule(PH),
    ("POST", "/api/visits"): rule(PH),
    ("GET", "/admin"): rule(AD),
    ("GET", "/admin/users"): rule(AD),
    ("POST", "/admin/users"): rule(AD),
    ("POST", "/admin/users/{user_id:int}/active"): rule(AD),
    ("POST", "/admin/users/{user_id:int}/password"): rule(AD),
    ("GET", "/admin/patients"): rule(AD),
    ("POST", "/admin/patients"): rule(AD),
    ("GET", "/admin/patients/{patient_id:int}"): rule(AD),
    ("POST", "/admin/patients/{patient_id:int}"): rule(AD),
    ("POST", "/admin/patients/{patient_id:int}/assignments"): rule(AD),
    ("POST", "/admin/assignments/{assignment_id:int}/end"): rule(AD),
    ("GET", "/admin/devices"): rule(AD),
    ("GET", "/admin/devices/{device_id:uuid}/revoke"): rule(AD),
    ("POST", "/admin/devices/{device_id:uuid}/revoke"): rule(AD),
    ("POST", "/admin/devices/{device_id:uuid}/reregistration"): rule(AD),
    ("POST", "/admin/devices/lock"): rule(AD),
    ("GET", "/admin/audit"): rule(AD),
    ("GET", "/review"): rule(PH),
    ("GET", "/review/visits/{visit_id:uuid}"): rule(PH),
    ("POST", "/review/visits/{visit_id:uuid}/interventions"): rule(PH),
    ("POST", "/review/visits/{visit_id:uuid}/sign-off"): rule(PH),
    ("POST", "/review/visits/{visit_id:uuid}/interventions/{event_id:uuid}/withdraw"): rule(PH),
    ("GET", "/visits/{visit_id:uuid}/summary"): rule(PH, DR, BI),
    ("GET", "/visits/{visit_id:uuid}/summary.pdf"): rule(PH, DR, BI),
    ("GET", "/visits/{visit_id:uuid}/fhir"): rule(PH, DR, BI),
}


def app_routes(app) -> list[tuple[str, str]]:
    """(method, path) for every route of the app; static files are public by design."""
    found = []
    for route in app.routes:
        if isinstance(route, Mount) and route.path in ("/static", "/app"):
            continue  # static files: the app shell and stylesheets hold no patient data
        assert isinstance(route, Route), f"unexpected route type {route!r}"
        for method in sorted(route.methods - {"HEAD"}):
            found.append((method, route.path))
    return found


def test_every_route_has_an_access_rule(app):
    missing = [r for r in app_routes(app) if r not in RULES]
    assert not missing, f"routes without an access rule in the matrix: {missing}"
    stale = [r for r in RULES if r not in app_routes(app)]
    assert not stale, f"rules for routes that no longer exist: {stale}"


FOREIGN_PHI = ["Testperson", "Pat", "MRN-PAT", "1960-01-01", "zqx-sentinel-matrix-allergy", "Dr. Test"]


def phi_in(body: str) -> list[str]:
    """patient_pat's data found (as whole words) in a response body."""
    from tests.phi_sentinel import Detector

    detector = Detector()
    detector.add(*FOREIGN_PHI)
    return sorted({hit.sentinel for hit in detector.scan("body", body)})


@pytest.fixture
async def objects(org, nurse_ana, patient_pat, admin_ada):
    """patient_pat's objects: everything nurse_ben and the other organization must not reach."""
    patient_pat.allergies = "zqx-sentinel-matrix-allergy"
    await patient_pat.save(update_fields=["allergies"])
    order = await Order.get(patient=patient_pat)
    assignment = await Assignment.get(patient=patient_pat, nurse=nurse_ana)
    visit = await Visit.create(id=uuid.uuid4(), organization=org, patient=patient_pat, order=order, nurse=nurse_ana,
                               scheduled_at=datetime.now(timezone.utc))
    now = datetime.now(timezone.utc)
    device = await Device.create(id=uuid.uuid4(), organization_id=org.id, user_id=nurse_ana.id, label="Tab",
                                 created_at=now, last_seen_at=now)
    held = await Quarantine.create(event_id=uuid.uuid4(), organization_id=org.id, visit_id=visit.id, device_id=device.id,
                                   device_seq=1, author_id=nurse_ana.id, received_at=now, sent_json='{"kind":"note"}',
                                   content_sha256="0" * 64, code="revoked_device", reason="kept aside")
    return {
        "patient_id": patient_pat.id, "order_id": order.id, "visit_id": visit.id,
        "user_id": nurse_ana.id, "assignment_id": assignment.id, "device_id": device.id, "quarantine_id": held.id,
        "event_id": held.event_id,
    }


def fill(path: str, objects: dict) -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: str(objects[m.group(1)]), path)


async def call(client, method: str, url: str, settings):
    if method == "GET":
        return await client.get(url, follow_redirects=False)
    if url.startswith("/api/"):
        return await client.request(method, url, json={}, follow_redirects=False)
    nonce = "matrix-nonce"
    client.cookies.set(csrf.COOKIE_NAME, nonce)
    data = {csrf.FIELD_NAME: csrf.token_for(nonce, settings.secret_key)}
    return await client.request(method, url, data=data, follow_redirects=False)


def object_routes() -> list[tuple[str, str]]:
    return [key for key in RULES if "{" in key[1]]


async def _assert_out_of_scope(client, user: User, objects, settings):
    failures = []
    for method, path in object_routes():
        response = await call(client, method, fill(path, objects), settings)
        allowed_role = user.role in RULES[(method, path)].roles
        expected = {404} if allowed_role else {403, 404}
        if response.status_code not in expected:
            failures.append(f"{method} {path}: {response.status_code}, expected {sorted(expected)}")
        if leaked := phi_in(response.text):
            failures.append(f"{method} {path}: the {response.status_code} body shows {leaked}")
    assert not failures, "\n".join(failures)


async def test_nurse_cannot_reach_a_patient_she_is_not_assigned_to_through_any_route(
    client_factory, nurse_ben, objects, settings
):
    await _assert_out_of_scope(await client_factory(nurse_ben), nurse_ben, objects, settings)


@pytest.mark.parametrize("role", [N, PH, DR, AD, BI])
async def test_user_of_another_organization_reaches_nothing_here(
    client_factory, other_org, password_hash, objects, settings, role
):
    outsider = await _user(other_org, f"outsider_{role}", role, password_hash)
    await _assert_out_of_scope(await client_factory(outsider), outsider, objects, settings)


async def test_another_physician_of_the_same_organization_reaches_nothing_of_a_colleagues_patient(
    client_factory, org, password_hash, objects, settings
):
    colleague = await _user(org, "physician_colleague", DR, password_hash)
    await _assert_out_of_scope(await client_factory(colleague), colleague, objects, settings)


async def test_the_body_check_sees_patient_data_where_it_is_shown(client_factory, nurse_ana, objects):
    """The control: the same check finds patient_pat's data in her own nurse's answer."""
    shown = await (await client_factory(nurse_ana)).get(f"/api/patients/{objects['patient_id']}")
    assert {"Testperson", "MRN-PAT", "zqx-sentinel-matrix-allergy"} <= set(phi_in(shown.text))


async def test_assigned_nurse_does_reach_her_patient(client_factory, nurse_ana, objects):
    client = await client_factory(nurse_ana)
    assert (await client.get(f"/api/patients/{objects['patient_id']}")).status_code == 200
    assert (await client.get(f"/api/orders/{objects['order_id']}")).status_code == 200


async def test_lists_show_only_patients_in_scope(client_factory, nurse_ana, nurse_ben, pharmacist_oz, patient_pat, patient_sam, patient_ola):
    def mrns(response):
        return {p["mrn"] for p in response.json()["patients"]}

    assert mrns(await (await client_factory(nurse_ana)).get("/api/patients")) == {"MRN-PAT"}
    assert mrns(await (await client_factory(nurse_ben)).get("/api/patients")) == {"MRN-SAM"}
    assert mrns(await (await client_factory(pharmacist_oz)).get("/api/patients")) == {"MRN-OLA"}
    ben_orders = await (await client_factory(nurse_ben)).get(f"/api/orders?patient={patient_pat.id}")
    assert ben_orders.json()["orders"] == []


async def test_anonymous_callers_are_sent_to_log_in_on_every_protected_route(anonymous, objects, settings):
    failures = []
    for (method, path), access_rule in RULES.items():
        if not access_rule.roles:
            continue
        response = await call(anonymous, method, fill(path, objects), settings)
        if path.startswith("/api/"):
            ok = response.status_code == 401
        elif method == "GET":
            ok = response.status_code == 303 and response.headers["location"].startswith("/login")
        else:
            ok = response.status_code == 401
        if not ok:
            failures.append(f"{method} {path}: {response.status_code}")
        if leaked := phi_in(response.text):
            failures.append(f"{method} {path}: the {response.status_code} body shows {leaked}")
    assert not failures, "\n".join(failures)


async def test_physician_sees_only_signed_or_reviewed_visits_of_own_patients(client_factory, physician_phil, objects):
    from server import access

    visible = await (await access.visits(physician_phil)).count()
    assert visible == 0  # the only visit is scheduled
    await Visit.filter(id=objects["visit_id"]).update(status="reviewed")
    assert await (await access.visits(physician_phil)).count() == 1


async def test_every_denied_object_read_is_audited(client_factory, nurse_ben, objects):
    from server.db.models import AuditEntry

    await (await client_factory(nurse_ben)).get(f"/api/patients/{objects['patient_id']}")
    entry = await AuditEntry.filter(action="patient.read").order_by("-id").first()
    assert entry.outcome == "denied" and entry.user_id == nurse_ben.id
    assert entry.object_id == str(objects["patient_id"])
