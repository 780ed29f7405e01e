"""Failure paths carry patient data in their input; none of it may reach a log (DESIGN section 6).

The whole-suite sweep (tests/phi_sentinel.py) fails the run on any sentinel in any log. These
tests drive the paths most likely to leak on purpose, and first prove the sweep would notice.
"""

from __future__ import annotations

import logging
import sys
import uuid
from datetime import datetime, timezone

import pytest
from starlette.requests import Request
from starlette.routing import Route

from server.db.models import Order, Visit
from tests import phi_sentinel
from tests.phi_sentinel import DETECTOR, NOTE, OLA, SAM, TEMPERATURE
from tests.security.forms import with_token

SENTINELS = [SAM["family"], SAM["given"], OLA["family"], NOTE, str(TEMPERATURE), "MRN-1001", "Reyes"]


@pytest.fixture
def no_new_leaks():
    """Fails the test if any sentinel reached a log while it ran; yields the lines it saw."""
    before = list(DETECTOR.hits)
    with phi_sentinel.recording() as lines:
        yield lines
    new = [hit for hit in DETECTOR.hits if hit not in before]
    assert not new, "\n".join(f"{h.sentinel!r} in {h.source}: {h.excerpt}" for h in new)


@pytest.mark.parametrize("logger_name", ["tests.phi_probe", "ivlog.phi_probe", "uvicorn.error", "asyncio"])
@pytest.mark.parametrize("sentinel", SENTINELS)
def test_the_sweep_notices_a_sentinel_logged_on_any_logger(logger_name, sentinel):
    mark = len(DETECTOR.hits)
    logging.getLogger(logger_name).error("visit for patient %s", sentinel)
    caught = DETECTOR.hits[mark:]
    DETECTOR.discard(caught)  # provoked on purpose: it must not fail the run
    assert [hit.sentinel for hit in caught] == [sentinel]
    assert logger_name in caught[0].source


def test_the_sweep_notices_a_sentinel_in_a_server_log_file_and_ignores_longer_words(tmp_path):
    log = tmp_path / "probe.log"  # not server.log: the end-of-run scan must not find it again
    log.write_text(f"INFO ivlog.request ok\nERROR ivlog.sync patient {SAM['family']} held\n{SAM['family']}x\n")
    caught = DETECTOR.scan_file(log)
    DETECTOR.discard(caught)
    assert [(hit.sentinel, hit.source) for hit in caught] == [(SAM["family"], f"file {log}")]


def test_the_sweep_checks_what_the_app_writes_not_the_exception_it_withheld(app):
    try:
        raise ValueError(f"duplicate key (mrn)=({SAM['family']})")
    except ValueError:
        mark = len(DETECTOR.hits)
        logging.getLogger("tests.phi_probe").exception("raw handler")  # not ivlog: written in full
        caught = DETECTOR.hits[mark:]
        DETECTOR.discard(caught)
        with phi_sentinel.recording() as lines:
            logging.getLogger("ivlog.phi_probe").exception("through the app's formatter")
    assert [hit.sentinel for hit in caught] == [SAM["family"]]
    assert "ValueError" in lines[0] and SAM["family"] not in lines[0]


def test_the_production_json_log_keeps_frames_and_types_but_withholds_exception_messages():
    from server.logs import JsonFormatter

    try:
        try:
            raise KeyError(NOTE)
        except KeyError as cause:
            raise ValueError(f"duplicate key (family_name)=({SAM['family']})") from cause
    except ValueError:
        record = logging.getLogger("ivlog.phi_probe").makeRecord(
            "ivlog.phi_probe", logging.ERROR, __file__, 1, "failed id=%s", ("42",), sys.exc_info())
    written = JsonFormatter().format(record)
    assert '"message": "failed id=42"' in written and "builtins.ValueError" in written and "builtins.KeyError" in written
    assert SAM["family"] not in written and NOTE not in written


def add_crashing_routes(app) -> None:
    """A handler that fails the way a database error does: quoting the values it choked on."""

    async def crash(request: Request):
        try:
            raise KeyError(NOTE)
        except KeyError as cause:
            raise RuntimeError(f"Key (mrn, family_name)=(MRN-SAM, {SAM['family']}) already exists") from cause

    app.router.routes.insert(0, Route("/api/phi-crash", crash, methods=["GET", "POST"]))
    app.router.routes.insert(0, Route("/phi-crash", crash, methods=["GET"]))


@pytest.mark.parametrize("path", ["/api/phi-crash", "/phi-crash"])
async def test_a_crash_quoting_patient_data_answers_500_with_a_reference_and_logs_none_of_it(
    app, anonymous, no_new_leaks, path
):
    add_crashing_routes(app)
    response = await anonymous.get(path)
    assert response.status_code == 500
    assert response.headers["x-request-id"] in response.text  # the reference a nurse can quote
    assert response.headers["content-security-policy"]  # our own 500, not the server's bare one
    for sentinel in (SAM["family"], NOTE, "MRN-SAM"):
        assert sentinel not in response.text
    logged = "\n".join(no_new_leaks)
    assert "unhandled error" in logged and "RuntimeError" in logged and "KeyError" in logged
    assert "in crash" in logged  # the frames stay, for whoever fixes it


async def test_login_failures_with_patient_data_typed_in_log_none_of_it(anonymous, nurse_ana, settings, no_new_leaks):
    for username, password in ((SAM["family"], NOTE), ("nurse_ana", SAM["given"])):
        response = await anonymous.post("/api/session", json={"username": username, "password": password})
        assert response.status_code == 401
    form = with_token(anonymous, settings, {"username": OLA["family"], "password": NOTE})
    assert (await anonymous.post("/login", data=form)).status_code == 401
    assert any("route=/api/session status=401" in line for line in no_new_leaks)


async def test_refused_patient_forms_log_none_of_their_fields(client_factory, admin_ada, settings, no_new_leaks):
    admin = await client_factory(admin_ada)
    fields = {"mrn": "MRN-ZQX", "given_name": SAM["given"], "family_name": SAM["family"], "birth_date": "2999-01-01",
              "allergies": NOTE, "dosing_weight_kg": str(TEMPERATURE)}
    response = await admin.post("/admin/patients", data=with_token(admin, settings, fields))
    assert response.status_code == 422 and "birth_date" in response.text
    bad_json = f'{{"username": "{SAM["family"]}", '.encode()
    assert (await admin.post("/api/session", content=bad_json, headers={"content-type": "application/json"})).status_code == 400
    assert any("route=/admin/patients status=422" in line for line in no_new_leaks)


async def test_quarantined_and_malformed_pushes_log_none_of_their_notes_or_vitals(
    client_factory, nurse_ana, patient_pat, patient_sam, no_new_leaks
):
    from tests.api.events import one_event, push_body

    device_id = uuid.uuid4()
    tablet = await client_factory(nurse_ana, device_id=str(device_id))
    order = await Order.get(patient=patient_sam)
    foreign = await Visit.create(id=uuid.uuid4(), organization_id=patient_sam.organization_id, patient=patient_sam,
                                 order=order, scheduled_at=datetime.now(timezone.utc))
    events = [
        one_event(foreign.id, 1, "note", {"text": f"{NOTE} for {SAM['family']}"}),
        one_event(uuid.uuid4(), 2, "vitals", {"temp_c": TEMPERATURE * 10, "note": NOTE}),
        one_event(uuid.uuid4(), 3, "visit.started", {"patient_id": str(patient_sam.id), "note": SAM["given"]}),
    ]
    pushed = await tablet.post("/api/sync/push", json=push_body(device_id, events))
    assert pushed.status_code == 200
    assert {r["status"] for r in pushed.json()["results"]} == {"quarantined"}
    malformed = push_body(device_id, [{**events[0], "device_seq": "one", "kind": SAM["family"]}])
    assert (await tablet.post("/api/sync/push", json=malformed)).status_code in (400, 422)
    assert sum("route=/api/sync/push" in line for line in no_new_leaks) == 2


@pytest.mark.parametrize("path", [f"/api/patients/{SAM['family']}", f"/{NOTE}", f"/pharmacy/patients/{OLA['given']}/x"])
async def test_a_path_no_route_matches_is_not_logged_as_typed(client_factory, pharmacist_pia, no_new_leaks, path):
    response = await (await client_factory(pharmacist_pia)).get(path)
    assert response.status_code == 404
    assert any("status=404" in line for line in no_new_leaks)
