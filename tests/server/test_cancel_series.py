"""Cancelling the rest of a series: a therapy stopped meant cancelling each visit of a two-year series on its
own page (and the order could not be made inactive until all were). The cancel page offers "this visit and the
later ones" when the visit was booked in a series; each visit cancelled keeps its own change row and audit entry."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest

from server.db.models import AuditEntry, Order, Visit, VisitScheduleChange, VisitStatus
from tests.server.test_pharmacy_pages import edit_order, post_form
from tests.server.test_scheduling import form, schedule


@pytest.fixture
async def series(client_factory, pharmacist_pia, patient_pat, nurse_ana) -> list[Visit]:
    """Four visits, every 4 weeks from tomorrow, and one booked on its own the day after tomorrow."""
    desk = await client_factory(pharmacist_pia)
    order = await Order.get(patient=patient_pat)
    weekly = form(order, nurse_ana.id, repeat="weekly", every_weeks="4", count="4")
    assert (await schedule(desk, patient_pat.id, weekly)).status_code == 303
    alone = form(order, nurse_ana.id, date=(date.today() + timedelta(days=2)).isoformat(), same_day="on")
    assert (await schedule(desk, patient_pat.id, alone)).status_code == 303
    return await Visit.filter(patient=patient_pat).order_by("scheduled_at")


async def test_the_cancel_page_offers_the_later_visits_of_the_series(client_factory, pharmacist_pia, series):
    desk = await client_factory(pharmacist_pia)
    first, alone, second = series[0], series[1], series[2]
    page = " ".join(html.unescape((await desk.get(f"/pharmacy/visits/{second.id}/cancel")).text).split())
    assert "2 later visits of it are still booked" in page and 'value="series"' in page
    assert "Cancel this visit and the 2 later ones" in page
    assert 'value="series"' not in (await desk.get(f"/pharmacy/visits/{alone.id}/cancel")).text
    last = (await desk.get(f"/pharmacy/visits/{series[-1].id}/cancel")).text
    assert 'value="series"' not in last  # nothing later to cancel with it
    assert "3 later visits" in " ".join(html.unescape((await desk.get(f"/pharmacy/visits/{first.id}/cancel")).text).split())


async def test_cancelling_the_rest_of_a_series_cancels_each_later_visit_with_its_own_record(
    client_factory, pharmacist_pia, patient_pat, series
):
    desk = await client_factory(pharmacist_pia)
    first, alone, second, third, fourth = series
    url = f"/pharmacy/visits/{second.id}/cancel"
    done = await post_form(desk, url, {"reason": "therapy stopped by the neurologist", "scope": "series"}, page=url)
    assert done.status_code == 303, done.text
    statuses = {v.id: v.status for v in await Visit.filter(patient=patient_pat)}
    assert [statuses[v.id] for v in series] == [VisitStatus.SCHEDULED, VisitStatus.SCHEDULED, VisitStatus.CANCELLED,
                                                VisitStatus.CANCELLED, VisitStatus.CANCELLED]
    for visit in (second, third, fourth):
        change = await VisitScheduleChange.get(visit_id=visit.id, kind="cancelled")
        assert change.reason == "therapy stopped by the neurologist" and change.by_id == pharmacist_pia.id
        assert await AuditEntry.exists(action="visit.cancel", object_id=str(visit.id))


async def test_cancelling_this_visit_only_leaves_the_rest_of_the_series(client_factory, pharmacist_pia, patient_pat, series):
    desk = await client_factory(pharmacist_pia)
    url = f"/pharmacy/visits/{series[2].id}/cancel"
    assert (await post_form(desk, url, {"reason": "away that week", "scope": "visit"}, page=url)).status_code == 303
    assert await Visit.filter(patient=patient_pat, status=VisitStatus.CANCELLED).count() == 1


async def test_an_order_can_be_made_inactive_once_the_rest_of_its_series_is_cancelled(
    client_factory, pharmacist_pia, patient_pat, series
):
    desk = await client_factory(pharmacist_pia)
    order = await Order.get(patient=patient_pat)
    for visit in (series[1], series[0]):  # the one booked alone, then the series from its first visit
        url = f"/pharmacy/visits/{visit.id}/cancel"
        scope = "series" if visit is series[0] else "visit"
        assert (await post_form(desk, url, {"reason": "therapy stopped", "scope": scope}, page=url)).status_code == 303
    assert (await edit_order(desk, order, active=None)).status_code == 303
    assert not (await Order.get(id=order.id)).active


async def test_an_unknown_scope_is_refused_naming_the_field(client_factory, pharmacist_pia, series):
    desk = await client_factory(pharmacist_pia)
    url = f"/pharmacy/visits/{series[0].id}/cancel"
    refused = await post_form(desk, url, {"reason": "x", "scope": "everything"}, page=url)
    assert refused.status_code == 422 and "Which visits" in html.unescape(refused.text)
    assert not await Visit.filter(status=VisitStatus.CANCELLED).exists()
