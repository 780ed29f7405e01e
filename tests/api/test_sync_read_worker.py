"""A tablet's large push through the real app, its events checked in the reading worker process."""

from __future__ import annotations

import dataclasses

import pytest

from sync.models import Event
from tests.api.events import one_event
from tests.api.test_sync_server import tolerated


@pytest.fixture
def settings(settings):
    return dataclasses.replace(settings, read_workers=1)  # this module's apps run the worker, as a server does


async def test_a_whole_visit_is_read_by_the_worker_process_and_an_invalid_entry_in_it_still_quarantined(
        app, tablet_ana, scheduled_visit, patient_pat):
    events = tolerated(scheduled_visit, patient_pat, scheduled_visit.order_id)
    bad = one_event(scheduled_visit.id, len(events) + 1, "vitals", {"temp_c": 53})
    offloaded = app.state.reader.offloaded
    response = await tablet_ana.push([*events, bad])
    assert app.state.reader.offloaded == offloaded + 1  # a body this size is read beside the event loop
    results = {r["id"]: r for r in response.json()["results"]}
    assert results[bad["id"]]["status"] == "quarantined" and "53" in results[bad["id"]]["reason"]
    assert sum(r["status"] == "accepted" for r in results.values()) == len(events)
    assert await Event.filter(visit_id=scheduled_visit.id).count() == len(events)
