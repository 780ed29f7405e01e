"""Which visits are due a fold is read from the data (server.services.projection_due), so that any
process finds what a process killed after acknowledging a push left undone."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from server.db.models import Visit
from server.services import projection_due, visits
from sync.models import Quarantine
from tests.api.events import one_event


async def test_a_visit_is_due_while_its_row_lags_its_log_or_hides_its_held_entries_and_not_after_its_fold(
    app, tablet_ana, scheduled_visit
):
    app.state.projector.quiet = app.state.projector.patience = 30.0  # as if the process died after the push
    other = await Visit.create(id=uuid.uuid4(), organization_id=scheduled_visit.organization_id,
                               patient_id=scheduled_visit.patient_id, order_id=scheduled_visit.order_id,
                               nurse_id=scheduled_visit.nurse_id, scheduled_at=datetime.now(timezone.utc))
    started = one_event(scheduled_visit.id, 1, "visit.started", {"patient_id": str(scheduled_visit.patient_id)})
    too_hot = one_event(other.id, 2, "vitals", {"temp_c": 53})  # kept aside: nothing reaches the other's log
    results = (await tablet_ana.push([started, too_hot])).json()["results"]
    assert [r["status"] for r in results] == ["accepted", "quarantined"]

    assert await projection_due.due({scheduled_visit.id, other.id}) == {scheduled_visit.id, other.id}
    assert {scheduled_visit.id, other.id} <= await projection_due.all_due()

    for visit in (scheduled_visit, other):
        await visits.project(await Visit.get(id=visit.id))
    assert await projection_due.due({scheduled_visit.id, other.id}) == set()
    assert not {scheduled_visit.id, other.id} & await projection_due.all_due()
    assert projection_due.HELD_FLAG in (await Visit.get(id=other.id)).flags


async def _held(id_: int, visit_id: uuid.UUID) -> None:
    await Quarantine.create(id=id_, event_id=uuid.uuid4(), organization_id=1, visit_id=visit_id, device_id=uuid.uuid4(),
                            device_seq=id_, author_id=1, received_at=datetime.now(timezone.utc), sent_json="{}",
                            content_sha256="0" * 64, code="invalid", reason="test")


async def test_following_the_log_sees_a_held_entry_committed_after_one_with_a_higher_id(app):
    watch = await projection_due.LogWatch.at_head()
    first, late = uuid.uuid4(), uuid.uuid4()
    await _held(watch.held_floor + 10, first)
    assert await watch.touched() == {first}

    await _held(watch.held_floor + 5, late)  # numbered earlier, committed later (PostgreSQL, two writers)

    assert await watch.touched() == {late}
    assert await watch.touched() == set()  # each seen once
