"""Rule: a physician reads only the visits a pharmacist has reviewed (released), on every route.

A nurse-signed visit awaiting review is, for the physician, indistinguishable from an absent one:
404 on every route that names it (pages, API, summaries, PDF, FHIR, pull?visit=), and absent
from every list and from the plain pull. Once the pharmacist signs it off it is readable.
The routes come from the app's own route table (tests/server/test_access_matrix.py), so a new
route the physician may use is held to the rule without being listed here.
(Penetration test, issue 16 item 10.)
"""

from __future__ import annotations

from server.db.models import Order, VisitStatus
from tests.review import scripts
from tests.review.conftest import desk, post_form, push_visit, tablet_for  # noqa: F401 (fixtures)
from tests.api.conftest import projected  # noqa: F401 (a fixture)
from tests.server.test_access_matrix import DR, RULES, app_routes, fill


def physician_get_routes(app) -> list[str]:
    """Every GET route of the app the physician may use at all (the route table, not a list)."""
    return [path for method, path in app_routes(app) if method == "GET" and DR in RULES[(method, path)].roles]


async def two_visits(push_visit, desk, post_form, nurse_ana, patient_pat):
    """Two visits of the physician's own patient, both signed by the nurse; the second reviewed."""
    unreleased = await push_visit(nurse_ana, patient_pat, scripts.tolerated(minutes_ago=900))
    released = await push_visit(nurse_ana, patient_pat, scripts.tolerated())
    assert (await post_form(desk, f"/review/visits/{released.id}/sign-off", {"note": "ok", "alerts_reviewed": "on"})).status_code == 303
    await released.refresh_from_db()
    assert (unreleased.status, released.status) == (VisitStatus.SIGNED, VisitStatus.REVIEWED)
    return unreleased, released


def objects_for(patient_pat, order: Order, visit) -> dict:
    return {"visit_id": visit.id, "patient_id": patient_pat.id, "order_id": order.id}


async def physician_and_visits(push_visit, desk, post_form, nurse_ana, patient_pat, physician_phil, client_factory):
    """The physician's client, the order, and the two visits (unreleased, released)."""
    unreleased, released = await two_visits(push_visit, desk, post_form, nurse_ana, patient_pat)
    order = await Order.get(patient=patient_pat)
    return await client_factory(physician_phil), order, unreleased, released


async def test_physician_gets_404_for_an_unreviewed_visit_on_every_route_and_reads_it_once_released(
    app, push_visit, desk, post_form, nurse_ana, patient_pat, physician_phil, client_factory
):
    phil, order, unreleased, released = await physician_and_visits(
        push_visit, desk, post_form, nurse_ana, patient_pat, physician_phil, client_factory)
    failures = []
    for path in physician_get_routes(app):
        if "{visit_id" not in path:
            continue
        hidden = await phil.get(fill(path, objects_for(patient_pat, order, unreleased)), follow_redirects=False)
        shown = await phil.get(fill(path, objects_for(patient_pat, order, released)), follow_redirects=False)
        if hidden.status_code != 404:
            failures.append(f"GET {path}: unreleased visit answered {hidden.status_code}, expected 404")
        if shown.status_code != 200:
            failures.append(f"GET {path}: released visit answered {shown.status_code}, expected 200")
    assert not failures, "\n".join(failures)


async def test_physician_never_sees_an_unreviewed_visit_in_any_list_page_or_pull(
    app, push_visit, desk, post_form, nurse_ana, patient_pat, physician_phil, client_factory
):
    phil, order, unreleased, released = await physician_and_visits(
        push_visit, desk, post_form, nurse_ana, patient_pat, physician_phil, client_factory)
    failures = []
    for path in physician_get_routes(app):
        if "{visit_id" in path:
            continue
        url = fill(path, objects_for(patient_pat, order, unreleased))
        answer = await phil.get(url, follow_redirects=False)
        if str(unreleased.id) in answer.text:
            failures.append(f"GET {url}: shows the unreleased visit ({answer.status_code})")
    assert not failures, "\n".join(failures)
    pulled = await phil.get("/api/sync/pull?after=0&limit=1000")
    visits_pulled = {event["visit_id"] for event in pulled.json()["events"]}
    assert visits_pulled == {str(released.id)}


async def test_physician_pull_of_one_unreviewed_visit_is_refused_and_of_a_released_one_is_served(
    push_visit, desk, post_form, nurse_ana, patient_pat, physician_phil, client_factory
):
    unreleased, released = await two_visits(push_visit, desk, post_form, nurse_ana, patient_pat)
    phil = await client_factory(physician_phil)
    hidden = await phil.get(f"/api/sync/pull?after=0&visit={unreleased.id}")
    shown = await phil.get(f"/api/sync/pull?after=0&visit={released.id}")
    assert hidden.status_code == 404 and str(unreleased.id) not in hidden.text
    assert shown.status_code == 200 and {e["visit_id"] for e in shown.json()["events"]} == {str(released.id)}


async def test_a_reopened_visit_is_hidden_from_the_physician_until_reviewed_again(
    push_visit, desk, post_form, nurse_ana, patient_pat, physician_phil, client_factory
):
    _, released = await two_visits(push_visit, desk, post_form, nurse_ana, patient_pat)
    from server.db.models import Visit

    await Visit.filter(id=released.id).update(status=VisitStatus.REOPENED)
    phil = await client_factory(physician_phil)
    assert (await phil.get(f"/api/visits/{released.id}")).status_code == 404
