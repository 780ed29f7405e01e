"""Each entry is judged by the orders in force when it was made (server.services.orders_in_force): the
pharmacist edits an order while its visit runs, the visit follows the edit from then on, and what the nurse
did before it is not made a breach of the new order, on the review, the Visit row or the summary. A pump
still running above a cap lowered under it is flagged, named by the cap it is above now."""

from __future__ import annotations

from datetime import datetime, timezone

from server.db.models import Order, Visit
from server.services import visits
from tests.clinical import visits as scripted
from tests.review.test_each_visit_log_is_folded_once_per_request import folds_of
from tests.review.test_order_as_run import push_now, running_script
from tests.server.test_pharmacy_pages import edit_order

ANTIHISTAMINE = {"premeds-2-drug": "cetirizine", "premeds-2-dose": "10", "premeds-2-unit": "mg",
                 "premeds-2-route": "PO", "premeds-2-minutes_before": "30"}


def rules_of(state: dict) -> set[str]:
    return {alert["rule"] for alert in state["alerts"]}


async def test_a_rate_reduced_before_the_cap_came_down_is_not_flagged_above_the_new_cap(
    push_visit, desk, nurse_ana, patient_pat
):
    script = running_script()  # climbed to 350 mL/h at minute 170
    script.rate(200, 140, reason="reaction")  # a reaction: slowed to 140, then the nurse calls the pharmacy
    visit = await push_visit(nurse_ana, patient_pat, script)
    assert "rate_above_limit" not in rules_of((await visits.state_of(visit)).to_dict())

    assert (await edit_order(desk, await Order.get(id=visit.order_id), rate_cap_ml_h="150")).status_code == 303

    state = (await visits.state_of(visit)).to_dict()
    assert (state["protocol"]["limit_ml_h"], state["protocol"]["limit_source"]) == (150, "order_cap")
    assert "rate_above_limit" not in rules_of(state)
    assert (await Visit.get(id=visit.id)).alert_count == len(state["alerts"])
    review = (await desk.get(f"/review/visits/{visit.id}")).text
    assert "is above the order" not in review


async def test_a_pump_still_running_above_a_lowered_cap_is_flagged_against_that_cap(
    push_visit, desk, nurse_ana, patient_pat
):
    visit = await push_visit(nurse_ana, patient_pat, running_script())  # 350 mL/h, still running
    assert (await edit_order(desk, await Order.get(id=visit.order_id), rate_cap_ml_h="100")).status_code == 303

    state = (await visits.state_of(visit)).to_dict()
    above = [alert for alert in state["alerts"] if alert["rule"] == "rate_above_limit"]
    assert [alert["message"] for alert in above] == ["Rate 350 mL/h is above the order's rate cap (100 mL/h)"]


async def test_a_premedication_added_mid_visit_does_not_make_the_earlier_start_a_missed_one(
    push_visit, desk, nurse_ana, patient_pat
):
    visit = await push_visit(nurse_ana, patient_pat, running_script())
    assert "premed_missing" not in rules_of((await visits.state_of(visit)).to_dict())

    assert (await edit_order(desk, await Order.get(id=visit.order_id), **ANTIHISTAMINE)).status_code == 303

    state = (await visits.state_of(visit)).to_dict()
    assert "premed_missing" not in rules_of(state)
    context = await visits.context_for(visit)
    assert "cetirizine" in {premed.drug for premed in context.order.premeds}  # the visit follows the edit


async def test_a_visit_ended_before_the_edit_is_folded_once(push_visit, desk, nurse_ana, patient_pat):
    script = running_script()
    scripted.finish(script, stop_at=195)
    visit = await push_visit(nurse_ana, patient_pat, script)
    assert (await edit_order(desk, await Order.get(id=visit.order_id), rate_cap_ml_h="100")).status_code == 303
    assert (await visits.context_for(visit)).earlier == ()
    assert "rate_above_limit" not in rules_of((await visits.state_of(visit)).to_dict())


async def test_a_dose_raised_mid_visit_is_the_dose_the_given_grams_are_held_to(push_visit, desk, nurse_ana, patient_pat):
    """A total is judged by the orders as they stand at the end (rules.json judged: at_the_end): the 350 mL/h
    step began before the edit, but the grams it gave count against the dose now ordered."""
    script = running_script()
    script.opened(50, lot="LF99B")  # a second 700 mL opened: more than the order can run
    visit = await push_visit(nurse_ana, patient_pat, script)  # 1 g/kg, 70 g: past it by now
    assert "dose_exceeded" in rules_of((await visits.state_of(visit, now=datetime.now(timezone.utc))).to_dict())

    raised = await edit_order(desk, await Order.get(id=visit.order_id), dose_g_per_kg="2.0", dose_differs="on")
    assert raised.status_code == 303

    state = (await visits.state_of(visit, now=datetime.now(timezone.utc))).to_dict()
    assert (state["infusion"]["grams_ordered"], state["infusion"]["grams_given"] > 70) == (140.0, True)
    assert "dose_exceeded" not in rules_of(state)


async def test_two_edits_judge_each_rate_by_the_caps_it_ran_under(push_visit, tablet_for, desk, nurse_ana, patient_pat):
    """350 mL/h ran under cap 300 (edit 1) until the nurse slowed to 200; cap 150 (edit 2) came while 200 ran.
    Each is flagged against the cap it ran above, the 280 and 140 steps (ended before both) against none."""
    visit = await push_visit(nurse_ana, patient_pat, running_script())
    assert (await edit_order(desk, await Order.get(id=visit.order_id), rate_cap_ml_h="300")).status_code == 303
    await push_now(await tablet_for(nurse_ana), visit, "infusion.rate_changed", {"rate_ml_h": 200, "reason": "titration"})
    assert (await edit_order(desk, await Order.get(id=visit.order_id), rate_cap_ml_h="150")).status_code == 303

    assert len((await visits.context_for(visit)).earlier) == 2
    state = (await visits.state_of(visit)).to_dict()
    above = [alert["message"] for alert in state["alerts"] if alert["rule"] == "rate_above_limit"]
    assert above == ["Rate 350 mL/h is above the order's rate cap (300 mL/h)",
                     "Rate 200 mL/h is above the order's rate cap (150 mL/h)"]
    assert (await Visit.get(id=visit.id)).alert_count == len(state["alerts"])


async def test_the_pharmacist_is_told_when_a_visit_runs_on_the_order_she_edits(push_visit, desk, nurse_ana, patient_pat):
    visit = await push_visit(nurse_ana, patient_pat, running_script())
    edited = await edit_order(desk, await Order.get(id=visit.order_id), rate_cap_ml_h="150")
    page = (await desk.get(edited.headers["location"])).text
    assert "Saved as a new revision. A visit is running on this order: the nurse&#39;s tablet shows the change" in page


async def test_an_order_edited_with_no_visit_running_is_saved_without_that_warning(push_visit, desk, nurse_ana,
                                                                                  patient_pat):
    script = running_script()
    scripted.finish(script, stop_at=195)
    visit = await push_visit(nurse_ana, patient_pat, script)
    edited = await edit_order(desk, await Order.get(id=visit.order_id), rate_cap_ml_h="150")
    page = (await desk.get(edited.headers["location"])).text
    assert "Saved as a new revision." in page and "A visit is running on this order" not in page


async def test_the_review_page_reports_the_fold_of_each_earlier_order_in_its_server_timing(push_visit, desk, nurse_ana,
                                                                                          patient_pat):
    """Each edit made while the visit ran costs one more fold of its log: counted, not hidden."""
    visit = await push_visit(nurse_ana, patient_pat, running_script())
    assert folds_of(await desk.get(f"/review/visits/{visit.id}"))[0] == 1
    assert (await edit_order(desk, await Order.get(id=visit.order_id), rate_cap_ml_h="150")).status_code == 303
    assert folds_of(await desk.get(f"/review/visits/{visit.id}"))[0] == 2
