"""A desk device's device_seq is taken from the database, so desk actions on several server
processes at once never reuse a number (issue 19 item b: the lock was per process, and two
processes' simultaneous interventions reused a device_seq and marked the desk device wiped)."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone

import pytest

from server.db.models import Order, Visit
from server.services import desk_events
from sync.models import Device, Event
from tests.databases import on_postgres
from tests.phi_sentinel import scan_output
from tests.processes import ROOT

PROCESSES, EACH = 2, 8


@pytest.fixture
async def visit(org, nurse_ana, patient_pat) -> Visit:
    order = await Order.get(patient=patient_pat)
    return await Visit.create(id=uuid.uuid4(), organization=org, patient=patient_pat, order=order, nurse=nurse_ana,
                              scheduled_at=datetime.now(timezone.utc))


@pytest.mark.skipif(on_postgres(), reason="the per-test PostgreSQL database is reached the same way; SQLite here")
async def test_desk_actions_on_two_server_processes_at_once_never_reuse_a_device_seq(
    database_url, pharmacist_pia, visit, tmp_path
):
    start = time.time() + 4  # both processes open the database first, then start together
    args = [database_url, str(pharmacist_pia.id), str(visit.id), str(EACH), str(start), str(tmp_path)]
    processes = [subprocess.Popen([sys.executable, "-m", "tests.security.desk_appender", *args], cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(PROCESSES)]
    for process in processes:
        out, err = process.communicate(timeout=180)
        scan_output("desk appender", out + err)
        assert process.returncode == 0, err[-2000:]
    events = await Event.filter(visit_id=visit.id, kind="note").values("device_id", "device_seq", "flags")
    assert len(events) == PROCESSES * EACH
    assert sorted(e["device_seq"] for e in events) == list(range(1, PROCESSES * EACH + 1))
    assert not [e for e in events if e["flags"]], events
    device = await Device.get(id=await desk_events.desk_device_id(pharmacist_pia))
    assert {e["device_id"] for e in events} == {device.id}
    assert device.wiped_at is None and device.acked_through == PROCESSES * EACH
