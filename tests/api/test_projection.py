"""The Visit row is a projection folded just after a push, off the push's path, and never lost."""

from __future__ import annotations

import asyncio

from server.db.models import Order, Visit, VisitStatus
from server.services import visits
from tests.api.events import one_event
from tests.api.test_sync_server import tolerated


async def test_a_push_is_acknowledged_first_and_the_visit_row_catches_up(app, tablet_ana, scheduled_visit, patient_pat):
    app.state.projector.quiet = app.state.projector.patience = 30.0  # hold the fold back for this test
    events = tolerated(scheduled_visit, patient_pat, scheduled_visit.order_id)

    response = await tablet_ana.push(events)

    assert {r["status"] for r in response.json()["results"]} == {"accepted"}
    assert (await Visit.get(id=scheduled_visit.id)).status == VisitStatus.SCHEDULED  # not folded yet
    shown = (await tablet_ana.client.get(f"/api/visits/{scheduled_visit.id}")).json()
    assert shown["state"]["status"] == "signed"  # a visit's own page folds its log, never the row
    await app.state.projector.flush()
    assert (await Visit.get(id=scheduled_visit.id)).status == VisitStatus.SIGNED


async def test_stopping_the_server_folds_every_pending_visit_first(app, tablet_ana, scheduled_visit, patient_pat):
    app.state.projector.quiet = app.state.projector.patience = 30.0
    await tablet_ana.push(tolerated(scheduled_visit, patient_pat, scheduled_visit.order_id))

    await app.state.projector.stop()

    visit = await Visit.get(id=scheduled_visit.id)
    assert visit.status == VisitStatus.SIGNED and visit.projected_seq > 0


async def test_a_visit_left_stale_by_a_crash_is_folded_by_the_start_up_sweep(app, tablet_ana, scheduled_visit):
    app.state.projector.quiet = app.state.projector.patience = 30.0
    await tablet_ana.push([one_event(scheduled_visit.id, 1, "visit.started", {"patient_id": str(scheduled_visit.patient_id)})])
    assert (await Visit.get(id=scheduled_visit.id)).projected_seq == 0  # as if the process died here

    assert await visits.project_stale() == 1

    visit = await Visit.get(id=scheduled_visit.id)
    assert visit.status == VisitStatus.IN_PROGRESS and visit.projected_seq > 0


async def test_folding_gives_way_to_requests_being_served_but_never_stalls(app, tablet_ana, scheduled_visit, patient_pat):
    projector = app.state.projector
    projector.quiet, projector.patience, projector.give_way = 0.0, 0.0, 0.4
    serving = True
    projector.busy = lambda: serving  # a request is being served the whole time
    await tablet_ana.push(tolerated(scheduled_visit, patient_pat, scheduled_visit.order_id))

    await asyncio.sleep(0.15)
    assert (await Visit.get(id=scheduled_visit.id)).status == VisitStatus.SCHEDULED  # still giving way
    await asyncio.wait_for(projector.settled(), timeout=5)  # ...for `give_way` seconds at most
    assert (await Visit.get(id=scheduled_visit.id)).status == VisitStatus.SIGNED



async def test_a_visit_whose_fold_failed_is_folded_again_by_the_periodic_sweep(app, tablet_ana, scheduled_visit):
    app.state.projector.sweep_every = 0.2
    await tablet_ana.push([one_event(scheduled_visit.id, 1, "visit.started", {"patient_id": str(scheduled_visit.patient_id)})])
    await app.state.projector.settled()
    # As a fold that failed leaves it (a locked database, a dropped connection): the row lags its log.
    await Visit.filter(id=scheduled_visit.id).update(projected_seq=0, status=VisitStatus.SCHEDULED)

    for _ in range(50):  # no push, no restart: the sweep alone must catch it
        await asyncio.sleep(0.1)
        if (await Visit.get(id=scheduled_visit.id)).projected_seq > 0:
            break
    assert (await Visit.get(id=scheduled_visit.id)).status == VisitStatus.IN_PROGRESS


async def test_a_fold_that_failed_is_done_again_at_the_next_sweep_even_when_the_row_does_not_lag_its_log(
    app, tablet_ana, scheduled_visit
):
    app.state.projector.sweep_every = 0.2
    order = await Order.get(id=scheduled_visit.order_id)
    # The catalog no longer lists the order's product (a revision dropped it): folding the visit fails.
    await Order.filter(id=order.id).update(product_id="withdrawn-product")
    held = await tablet_ana.push([one_event(scheduled_visit.id, 1, "vitals", {"temp_c": 53})])
    assert held.json()["results"][0]["status"] == "quarantined"  # nothing added to the visit's log
    await app.state.projector.settled()
    assert "quarantined" not in (await Visit.get(id=scheduled_visit.id)).flags

    await Order.filter(id=order.id).update(product_id=order.product_id)
    for _ in range(50):
        await asyncio.sleep(0.1)
        if "quarantined" in (await Visit.get(id=scheduled_visit.id)).flags:
            break
    assert "quarantined" in (await Visit.get(id=scheduled_visit.id)).flags
