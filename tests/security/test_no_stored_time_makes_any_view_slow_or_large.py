"""Issue 16.1: one entry dated centuries away hung the server (a chart tick every 8 hours across the
span). Whatever times the log holds, every view of the visit answers fast and small, and /healthz
stays responsive while they are built."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from server.db.models import Visit
from server.services import visits as visit_service
from tests.review import scripts
from tests.security.stored_times import EXTREMES, store_extreme_entries

FAST_S = 2.0
PDF_S = 4.0  # rendering any one-page PDF takes about 1.4 s on this 2-core machine; before the fix: minutes
SMALL_BYTES = 600_000  # a six-hour visit's review page is about a quarter of this


LISTS = ("/review?state=reviewed", "/physician")  # the queue of reviewed visits; the physician's inbox


def views(visit: Visit) -> list[str]:
    return [f"/review/visits/{visit.id}", f"/visits/{visit.id}/summary", f"/visits/{visit.id}/summary.pdf",
            f"/visits/{visit.id}/fhir", f"/api/visits/{visit.id}", *LISTS]


async def reviewed_with_extremes(push_visit, desk, post_form, nurse, patient, moments=EXTREMES) -> Visit:
    """A visit whose log holds entries at `moments` (stored and folded as an older server did), then
    signed off by the pharmacist: it sits in the reviewed queue and in the physician's inbox."""
    visit = await push_visit(nurse, patient, scripts.febrile_reaction())
    await store_extreme_entries(visit, moments)
    await visit_service.project(visit)
    assert (await post_form(desk, f"/review/visits/{visit.id}/sign-off", {"note": "ok", "alerts_reviewed": "on"})).status_code == 303
    return visit


async def timed_get(client: httpx.AsyncClient, path: str) -> tuple[httpx.Response, float]:
    began = time.perf_counter()
    response = await client.get(path)
    return response, time.perf_counter() - began


@pytest.mark.parametrize("moments", [EXTREMES, EXTREMES[:1], EXTREMES[-1:], (EXTREMES[2], EXTREMES[-1])],
                         ids=["all-mixed", "year-2", "year-9998", "2019-and-9998"])
async def test_every_view_of_a_visit_with_extreme_stored_times_is_fast_and_small(
    moments, push_visit, desk, post_form, nurse_ana, patient_pat, physician_phil, client_factory, app
):
    visit = await reviewed_with_extremes(push_visit, desk, post_form, nurse_ana, patient_pat, moments)
    await app.state.projector.settled()
    physician = await client_factory(physician_phil)
    for path in views(visit):
        client = physician if path == "/physician" else desk
        response, seconds = await timed_get(client, path)
        assert response.status_code == 200, (path, response.status_code)
        if path in LISTS:
            assert patient_pat.display_name in response.text, path  # the visit is listed
        assert seconds < (PDF_S if path.endswith(".pdf") else FAST_S), (path, seconds)
        assert len(response.content) < SMALL_BYTES, (path, len(response.content))


async def test_healthz_answers_while_every_view_of_such_a_visit_is_built(
    push_visit, desk, post_form, nurse_ana, patient_pat, anonymous
):
    visit = await reviewed_with_extremes(push_visit, desk, post_form, nurse_ana, patient_pat)

    async def probe() -> float:
        await asyncio.sleep(0.05)
        return (await timed_get(anonymous, "/healthz"))[1]

    for path in views(visit)[:5]:
        answers = await asyncio.gather(desk.get(path), probe())
        assert answers[0].status_code == 200 and answers[1] < FAST_S, (path, answers[1])
