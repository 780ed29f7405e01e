"""The pharmacist's review queue (server/services/review_queue.py, GET /review)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from server.db.models import Visit
from tests.api.events import one_event, script_started
from tests.clinical import visits as scripted
from tests.review import scripts

QUEUE_LINK = re.compile(r'href="/review/visits/([0-9a-f-]{36})"')


def queued(html: str) -> list[str]:
    return QUEUE_LINK.findall(html)


@pytest.fixture
async def risky_visits(push_visit, tablet_for, projected, nurse_ana, nurse_ben, patient_pat, patient_sam) -> dict[str, Visit]:
    """Six finished visits, each with one known risk (and one with none)."""
    late = scripts.tolerated()
    late.add(100, "note", {"text": "Flush done before the start."}, recorded_after_min=90)
    visits = {
        "clean": await push_visit(nurse_ben, patient_sam, scripts.tolerated()),
        "quarantined": await push_visit(nurse_ana, patient_pat, scripts.tolerated()),
        "late": await push_visit(nurse_ben, patient_sam, late),
        "fever": await push_visit(nurse_ana, patient_pat, scripts.tolerated(vital_changes=scripts.FEVER)),
        "hypotension": await push_visit(nurse_ben, patient_sam, scripts.tolerated(vital_changes=scripts.HYPOTENSION)),
        "reaction": await push_visit(nurse_ana, patient_pat, scripts.febrile_reaction()),
    }
    tablet = await tablet_for(nurse_ana)
    await tablet.push([one_event(visits["quarantined"].id, tablet.next_seq, "vitals", {"spo2": 140})])
    await projected()
    return {name: await Visit.get(id=visit.id) for name, visit in visits.items()}


async def test_queue_puts_the_riskiest_visit_first(desk, risky_visits):
    page = await desk.get("/review")

    assert page.status_code == 200
    order = ["reaction", "hypotension", "fever", "late", "quarantined", "clean"]
    assert queued(page.text) == [str(risky_visits[name].id) for name in order]
    html = page.text
    assert "reaction grade 2" in html and "1 critical alert" in html and "late entries" in html
    assert "quarantined entries" in html and "no findings" in html


async def test_queue_counts_each_state_and_filters_by_nurse_patient_date_and_state(
    desk, post_form, risky_visits, nurse_ben, patient_pat
):
    await post_form(desk, f"/review/visits/{risky_visits['clean'].id}/sign-off", {"note": "fine", "alerts_reviewed": "on"})

    html = (await desk.get("/review")).text
    assert "signed: 5" in html and "reviewed: 1" in html
    by_ben = queued((await desk.get(f"/review?nurse={nurse_ben.id}")).text)
    assert by_ben == [str(risky_visits[name].id) for name in ("hypotension", "late")]
    by_pat = queued((await desk.get(f"/review?patient={patient_pat.id}")).text)
    assert by_pat == [str(risky_visits[name].id) for name in ("reaction", "fever", "quarantined")]
    reviewed = queued((await desk.get("/review?state=reviewed")).text)
    assert reviewed == [str(risky_visits["clean"].id)]
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    assert queued((await desk.get(f"/review?from={tomorrow}")).text) == []
    assert (await desk.get("/review?state=lost")).status_code == 422


async def test_the_pharmacist_narrows_the_queue_to_the_visits_running_now(desk, push_visit, nurse_ana, patient_pat):
    """Found by a new user's walk: no desk list showed a visit in progress (state=in_progress was refused)."""
    script = script_started(60)
    scripted.prelude(script)
    running = await push_visit(nurse_ana, patient_pat, script)
    html = (await desk.get("/review")).text
    assert "in progress: 1" in html and str(running.id) not in queued(html)  # the queue waits for the end
    assert queued((await desk.get("/review?state=in_progress")).text) == [str(running.id)]


async def test_a_nurse_cannot_open_the_review_queue_nor_a_review_page(client_factory, nurse_ana, physician_phil, risky_visits):
    nurse = await client_factory(nurse_ana)
    assert (await nurse.get("/review")).status_code == 403
    assert (await nurse.get(f"/review/visits/{risky_visits['reaction'].id}")).status_code == 403
    assert (await (await client_factory(physician_phil)).get("/review")).status_code == 403


@pytest.mark.parametrize("name, day", [("to", "9999-12-31"), ("from", "9999-12-31"), ("from", "0001-01-01")])
async def test_a_far_off_date_on_the_review_queue_filter_is_refused_naming_the_field(desk, name, day):
    """9999-12-31 has no next day to end the filter at (was a 500): a filter's days lie in 1900..2200."""
    refused = await desk.get(f"/review?{name}={day}")
    assert refused.status_code == 422
    assert f"{name} must be a day in the years 1900 to 2200" in refused.text


async def test_the_review_queue_filter_takes_the_last_day_of_its_range(desk):
    assert (await desk.get("/review?from=1900-01-01&to=2200-12-31")).status_code == 200
