"""The pharmacist's visit page and actions (server/routes/review.py, server/services/review.py)."""

from __future__ import annotations

import re

from server.db.models import AuditEntry, Order, Visit, VisitStatus
from server.db.review_models import InboxItem
from server.services import visits
from server.services.desk_events import desk_device_id
from sync.models import Device, Event, Quarantine
from tests.api.events import one_event
from tests.review import scripts


async def test_visit_page_shows_header_timeline_with_corrections_charts_and_quarantine(
    push_visit, tablet_for, desk, nurse_ana, patient_pat
):
    script = scripts.febrile_reaction()
    wrong = script.add(30, "note", {"text": "Wrong chart entry"})
    script.void(31, wrong, reason="written in the wrong chart")
    typo = script.add(32, "note", {"text": "Patient ate lunh"})
    script.amend(33, typo, {"text": "Patient ate lunch"}, reason="typo")
    visit = await push_visit(nurse_ana, patient_pat, script)
    tablet = await tablet_for(nurse_ana)
    await tablet.push([one_event(visit.id, tablet.next_seq, "vitals", {"temp_c": 53})])  # kept in quarantine

    page = await desk.get(f"/review/visits/{visit.id}")

    assert page.status_code == 200
    html = page.text
    assert "Testperson, Pat" in html and "MRN-PAT" in html and "LE12A" in html
    assert "location" in html and "verified" in html
    assert "Gammagard Liquid 10%" in html and "grade 2" in html
    assert html.count("<svg") >= 3  # the rate chart and vital-sign panels, drawn on the server
    assert "<del" in html and "written in the wrong chart" in html  # the void beside its original
    original, amended = html.index("Patient ate lunh"), html.index("Patient ate lunch")
    assert "reason: typo" in html and abs(original - amended) < 800  # the amendment next to the original
    assert "Fever: temperature 38.2" in html and 'href="#ev-' in html  # the alert links its entry
    assert "Quarantined submissions (1)" in html and "53" in html
    assert "style=" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)  # CSP: no inline style or script


async def test_intervention_and_sign_off_are_synced_events_that_tablets_pull(
    push_visit, tablet_for, desk, post_form, nurse_ana, patient_pat, pharmacist_pia, physician_phil
):
    visit = await push_visit(nurse_ana, patient_pat, scripts.febrile_reaction())
    url = f"/review/visits/{visit.id}"

    done = await post_form(desk, f"{url}/interventions",
                           {"kind": "next_rate", "text": "Hold at 70 mL/h next time", "next_rate_ml_h": "70"})
    assert done.status_code == 303 and done.headers["location"] == f"{url}?done=intervention"
    signed = await post_form(desk, f"{url}/sign-off", {"note": "Febrile reaction handled well.", "alerts_reviewed": "on"})
    assert signed.status_code == 303

    review_events = await Event.filter(visit_id=visit.id, kind__startswith="review.").order_by("server_seq")
    assert [e.kind for e in review_events] == ["review.intervention", "review.signed"]
    assert {e.author_id for e in review_events} == {pharmacist_pia.id}
    assert [e.device_seq for e in review_events] == [1, 2]
    assert {e.device_id for e in review_events} == {await desk_device_id(pharmacist_pia)}
    assert (await Device.get(id=await desk_device_id(pharmacist_pia))).acked_through == 2
    assert (await Visit.get(id=visit.id)).status == VisitStatus.REVIEWED
    pulled = (await (await tablet_for(nurse_ana)).client.get("/api/sync/pull?after=0")).json()["events"]
    assert {"review.intervention", "review.signed"} <= {e["kind"] for e in pulled}
    assert await InboxItem.filter(visit_id=visit.id, physician_id=physician_phil.id).count() == 1
    page = (await desk.get(url)).text
    assert "Hold at 70 mL/h next time" in page and "Inbox of Physician Phil" in page
    # the audit log says what the pushes stored: a sign-off reads as one, not as a bare push (a walk)
    pushes = await AuditEntry.filter(action="sync.push", user_id=pharmacist_pia.id).order_by("id")
    assert [p.detail["kinds"] for p in pushes] == ["review.intervention", "review.signed"]
    tablet = await AuditEntry.filter(action="sync.push", user_id=nurse_ana.id).order_by("id").first()
    assert "vitals ×" in tablet.detail["kinds"] and "reaction.observed" in tablet.detail["kinds"]


async def test_a_late_entry_after_sign_off_sends_the_visit_back_to_the_queue(
    push_visit, tablet_for, desk, post_form, nurse_ana, patient_pat, projected
):
    visit = await push_visit(nurse_ana, patient_pat, scripts.tolerated())
    await post_form(desk, f"/review/visits/{visit.id}/sign-off", {"note": "", "alerts_reviewed": "on"})
    assert str(visit.id) not in (await desk.get("/review")).text

    tablet = await tablet_for(nurse_ana)
    await tablet.push([one_event(visit.id, tablet.next_seq, "note", {"text": "Patient called: headache tonight."})])
    await projected()

    assert (await Visit.get(id=visit.id)).status == VisitStatus.REOPENED
    queue = (await desk.get("/review")).text
    assert f"/review/visits/{visit.id}" in queue and "entries after review" in queue
    assert "after review" in (await desk.get(f"/review/visits/{visit.id}")).text


async def test_an_intervention_after_sign_off_reopens_the_visit_and_the_next_sign_off_releases_the_summary_again(
    push_visit, desk, post_form, nurse_ana, patient_pat, physician_phil, projected, client_factory
):
    """Found by a new user's walk: "next rate 150" recorded after the sign-off changed the summary the physician
    had been sent, silently: no time, nothing reopened, no new notice in the physician's inbox."""
    visit = await push_visit(nurse_ana, patient_pat, scripts.febrile_reaction())
    url = f"/review/visits/{visit.id}"
    await post_form(desk, f"{url}/sign-off", {"note": "Febrile reaction handled well.", "alerts_reviewed": "on"})
    assert await InboxItem.filter(visit_id=visit.id, physician_id=physician_phil.id).count() == 1

    done = await post_form(desk, f"{url}/interventions",
                           {"kind": "next_rate", "text": "Slower next time", "next_rate_ml_h": "150"})
    assert done.headers["location"] == f"{url}?done=intervention,reopened"
    await projected()
    assert (await Visit.get(id=visit.id)).status == VisitStatus.REOPENED
    page = (await desk.get(done.headers["location"])).text
    assert "The visit is reopened: the summary released to the physician does not hold this intervention." in page
    assert "Sign review and release summary" in page

    await post_form(desk, f"{url}/sign-off", {"note": "Febrile reaction handled well; slower next time.", "alerts_reviewed": "on"})
    assert (await Visit.get(id=visit.id)).status == VisitStatus.REVIEWED
    assert await InboxItem.filter(visit_id=visit.id, physician_id=physician_phil.id).count() == 2  # sent again
    # his inbox says which of the two is the summary now (a walk read two identical rows)
    inbox = (await (await client_factory(physician_phil)).get("/physician")).text
    assert inbox.count("revised summary</strong>") == 1 and inbox.count("replaced by the revised summary above") == 1
    assert inbox.index("revised summary</strong>") < inbox.index("replaced by the revised summary above")


async def test_a_reopened_visit_offers_the_last_sign_offs_note_again_so_a_second_sign_off_keeps_it(
    push_visit, tablet_for, desk, post_form, nurse_ana, patient_pat, projected
):
    """Found by a new user's walk: the second sign-off of a reopened visit released "no comment" to the
    physician, the note of the first left in the timeline only."""
    visit = await push_visit(nurse_ana, patient_pat, scripts.tolerated())
    note = "Only 18 of 64 g given: to be rescheduled."
    await post_form(desk, f"/review/visits/{visit.id}/sign-off", {"note": note, "alerts_reviewed": "on"})
    tablet = await tablet_for(nurse_ana)
    await tablet.push([one_event(visit.id, tablet.next_seq, "note", {"text": "Patient called: headache tonight."})])
    await projected()
    page = (await desk.get(f"/review/visits/{visit.id}")).text
    assert f'>{note}</textarea>' in page and 'name="note"' in page


async def test_a_mistyped_intervention_is_answered_at_once_and_never_quarantined(
    push_visit, desk, post_form, nurse_ana, patient_pat
):
    visit = await push_visit(nurse_ana, patient_pat, scripts.tolerated())

    response = await post_form(desk, f"/review/visits/{visit.id}/interventions",
                               {"kind": "next_rate", "text": "Slower next time"})

    assert response.status_code == 422
    assert "Next infusion rate is required" in response.text and "Slower next time" in response.text
    assert not await Quarantine.filter(visit_id=visit.id).exists()
    assert not await Event.filter(visit_id=visit.id, kind="review.intervention").exists()


async def test_a_desk_action_inside_a_transaction_is_refused_at_once(pharmacist_pia, scheduled_visit_for_desk):
    """It would wait forever on PostgreSQL (the writers cannot see the transaction's rows) and find SQLite
    locked: a clear error instead."""
    import pytest
    from tortoise.transactions import in_transaction

    from server.services import desk_events

    with pytest.raises(RuntimeError, match="cannot run inside a transaction"):
        async with in_transaction("default"):
            await desk_events.append(user=pharmacist_pia, visit=scheduled_visit_for_desk, kind="note",
                                     payload={"text": "Checked."})


async def test_six_pharmacists_acting_at_once_all_finish(org, password_hash, scheduled_visit_for_desk):
    """Each desk action's turn is taken on a pool of its own: a turn held on the default pool while the
    action waited for another connection of it hung the process with five users at once (PostgreSQL)."""
    import asyncio

    from server.db.models import Role, User
    from server.services import desk_events

    users = [await User.create(organization=org, username=f"pharmacist_{n}", display_name=f"Pharmacist {n}",
                               role=Role.PHARMACIST, password_hash=password_hash) for n in range(6)]
    done = await asyncio.wait_for(asyncio.gather(*(
        desk_events.append(user=user, visit=scheduled_visit_for_desk, kind="note", payload={"text": "Checked."})
        for user in users)), timeout=30)
    assert [result.status for result in done] == ["accepted"] * 6


async def test_the_review_page_shows_the_status_of_the_log_even_when_the_visits_row_lags(
    desk, tablet_for, nurse_ana, patient_pat
):
    """The row's status is a projection the projector may not have caught up with moments after a push;
    the page's badge is the log's, like the alerts and the timeline beside it."""
    tablet = await tablet_for(nurse_ana)
    order = await Order.get(patient=patient_pat)
    visit_id = scripts.new_visit_id()
    await tablet.push([one_event(visit_id, 1, "visit.started", {"patient_id": str(patient_pat.id), "order_id": str(order.id)})])
    await Visit.filter(id=visit_id).update(status=VisitStatus.SCHEDULED)  # the projection not caught up yet

    page = (await desk.get(f"/review/visits/{visit_id}")).text

    assert re.search(r'<span class="status status-in_progress">in progress</span>', page)


async def test_an_in_progress_visit_cannot_be_signed_off(desk, post_form, tablet_for, nurse_ana, patient_pat):
    tablet = await tablet_for(nurse_ana)
    order = await Order.get(patient=patient_pat)
    visit_id = scripts.new_visit_id()
    started = one_event(visit_id, 1, "visit.started", {"patient_id": str(patient_pat.id), "order_id": str(order.id)})
    await tablet.push([started])

    response = await post_form(desk, f"/review/visits/{visit_id}/sign-off", {"note": "too early", "alerts_reviewed": "on"})

    assert response.status_code == 409 and "in_progress" in response.text
    assert re.search(r"can be signed off once the nurse has ended it", response.text)


ACTIONS_AT_ONCE = 20


async def test_desk_actions_at_once_reach_the_log_in_the_order_they_were_numbered(pharmacist_pia, scheduled_visit_for_desk):
    """A double-click must not look like a wiped device: each desk event gets its own seq, and the
    log receives them in that order (the later number arriving first used to be flagged as reused)."""
    import asyncio

    from server.services import desk_events
    from sync.models import Device, Event

    payload = {"text": "Checked the plan."}  # a note: an intervention waits until the visit has ended
    await asyncio.gather(*(desk_events.append(user=pharmacist_pia, visit=scheduled_visit_for_desk,
                                              kind="note", payload=payload) for _ in range(ACTIONS_AT_ONCE)))
    events = await Event.filter(visit_id=scheduled_visit_for_desk.id).order_by("server_seq").values("device_seq", "flags")
    assert [e["device_seq"] for e in events] == list(range(1, ACTIONS_AT_ONCE + 1)), "numbered out of arrival order"
    assert all("device_seq_reused" not in e["flags"] for e in events)
    assert (await Device.get(id=await desk_events.desk_device_id(pharmacist_pia))).wiped_at is None


async def test_the_page_of_a_visit_the_nurse_ended_offers_the_sign_off_button(
    push_visit, desk, nurse_ana, patient_pat
):
    """The desk once judged `can_sign_off` on an attribute the fold does not have and showed "once the
    nurse has ended it" for every ended visit: the page must offer what the route accepts."""
    visit = await push_visit(nurse_ana, patient_pat, scripts.tolerated())

    html = (await desk.get(f"/review/visits/{visit.id}")).text

    assert "Sign review and release summary" in html
    assert "can be signed off once the nurse has ended it" not in html


async def test_an_expired_lot_alert_corrected_by_an_amendment_stays_listed_marked_resolved(
    push_visit, desk, nurse_ana, patient_pat
):
    script = scripts.tolerated()
    opened = next(e for e in script.events if e["kind"] == "product.opened")
    typed = {**opened["payload"], "expiry": "2020-01-31"}  # the nurse typed last year's date
    opened["payload"] = typed
    script.amend(300, opened["id"], {**typed, "expiry": "2026-12-31"}, reason="expiry mistyped")
    visit = await push_visit(nurse_ana, patient_pat, script)

    html = (await desk.get(f"/review/visits/{visit.id}")).text

    alerts = html.split("<h2>Alerts")[1].split("</section>")[0]
    assert "resolved by a correction" in alerts and "expired" in alerts.lower()
    assert alerts.index("resolved by a correction") > alerts.index("</h2>")


async def test_a_reaction_resolved_is_its_own_entry_on_the_desk_not_a_correction_of_the_reaction(
    push_visit, desk, nurse_ana, patient_pat
):
    """A walk read "corrected" beside a reaction that had only subsided: its resolution is an entry of its own
    (reaction.resolved), with its time and words, and the reaction reads resolved without being corrected."""
    script = scripts.crowded_visit()
    visit = await push_visit(nurse_ana, patient_pat, script)
    html = (await desk.get(f"/review/visits/{visit.id}")).text
    assert "Reaction resolved" in html and "Amendment" not in html and "reason: Reaction resolved" not in html
    state = await visits.state_of(visit)
    assert [r["outcome"] for r in state.reactions] == ["resolved"] and state.issues == []
    reaction = next(e for e in state.entries if e["kind"] == "reaction.observed")
    assert not reaction["amended"] and not reaction.get("history")


async def test_the_timeline_says_when_an_entry_was_recorded_only_when_it_was_another_minute(
    push_visit, desk, nurse_ana, patient_pat
):
    """A walk found "recorded HH:MM" under almost every row, seconds after the entry, drowning the late ones."""
    script = scripts.febrile_reaction()
    on_the_minute = 200.1 - script.t0.second / 60 - script.t0.microsecond / 60e6  # hh:mm:06: 15 s later, same minute
    script.add(on_the_minute, "note", {"text": "Typed as it happened"}, recorded_after_min=0.25)
    script.add(201, "note", {"text": "Typed after the drive home"}, recorded_after_min=45)
    visit = await push_visit(nurse_ana, patient_pat, script)
    rows = re.findall(r"<tr[^>]*>.*?</tr>", (await desk.get(f"/review/visits/{visit.id}")).text, flags=re.S)
    prompt = next(row for row in rows if "Typed as it happened" in row)
    late = next(row for row in rows if "Typed after the drive home" in row)
    assert not re.search(r"recorded \d\d:\d\d", prompt) and re.search(r"recorded \d\d:\d\d", late)


async def test_the_visit_page_shows_the_patients_risk_flags_where_the_reviewer_reads_the_visit(
        push_visit, desk, nurse_ana, patient_pat):
    """A walk reviewed a thrombosis-risk patient's visit with no word of the risk on the page."""
    patient_pat.thrombosis_risk = patient_pat.iga_deficiency = True
    await patient_pat.save()
    visit = await push_visit(nurse_ana, patient_pat, scripts.febrile_reaction())
    page = (await desk.get(f"/review/visits/{visit.id}")).text
    flags = page.split('data-testid="risk-flags">')[1].split("</dd>")[0]
    assert "Thrombosis risk" in flags and "IgA deficiency" in flags and "Renal risk" not in flags
