"""fold_timeline: the visit's state from its events, with nothing lost."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from server.clinical import Catalog, RuleBook, VisitContext, fold_timeline
from tests.clinical.script import VisitScript
from tests.clinical.visits import GAMMAGARD_ORDER, prelude, titrate, tolerated_visit


def fold(s: VisitScript, context: VisitContext, now: datetime | None = None) -> dict[str, Any]:
    return fold_timeline(s.events, context=context, now=now).to_dict()


def test_a_tolerated_visit_gives_its_numbers(gammagard_context: VisitContext) -> None:
    state = fold(tolerated_visit(), gammagard_context)
    assert (state["status"], state["time_in"], state["time_out"]) == (
        "signed", "2025-03-04T09:00:00Z", "2025-03-04T13:30:00Z")
    infusion = state["infusion"]
    assert infusion["volume_infused_ml"] == 700.0  # 17.5 + 35 + 70 + 140 + 350 × 75/60
    assert (infusion["grams_given"], infusion["grams_ordered"], infusion["grams_basis"]) == (70.0, 70.0, "pump")
    assert infusion["running_min"] == 195.0
    assert infusion["last_tolerated_rate_ml_h"] == 350.0
    assert [s["rate_ml_h"] for s in state["segments"]] == [35, 70, 140, 280, 350]
    assert [s["mg_kg_min"] for s in state["segments"]] == [0.83, 1.67, 3.33, 6.67, 8.33]
    assert state["location_verified"] is True


def test_the_state_is_plain_json(gammagard_context: VisitContext) -> None:
    state = fold(tolerated_visit(), gammagard_context)
    assert json.loads(json.dumps(state)) == state


def test_volume_and_grams_are_integrated_over_running_time_only(gammagard_context: VisitContext) -> None:
    s = VisitScript()
    prelude(s)
    s.start(50, 35)
    s.rate(80, 70)
    s.pause(95, reason="patient_request")
    s.resume(105, 70)
    s.stop(125)
    state = fold(s, gammagard_context)
    # 35 × 30/60 + 70 × 15/60 + 70 × 20/60 = 17.5 + 17.5 + 23.33
    assert state["infusion"]["volume_infused_ml"] == 58.3
    assert (state["infusion"]["grams_given"], state["infusion"]["grams_basis"]) == (5.83, "computed")
    assert [(p["duration_min"], p["reason"]) for p in state["pauses"]] == [(10.0, "patient_request")]


def test_a_running_infusion_is_integrated_up_to_now(gammagard_context: VisitContext) -> None:
    s = VisitScript()
    prelude(s)
    s.start(50, 35)
    s.vitals(65)
    state = fold(s, gammagard_context, now=s.at(74))
    assert state["infusion"]["volume_infused_ml"] == 14.0  # 35 × 24/60
    assert state["segments"][0]["end"] is None
    assert state["infusion"]["next_rate"] == {"action": "increase", "rate_ml_h": 70.0, "step_index": 1,
                                              "limit_ml_h": 350.0, "due_at": "2025-03-04T10:20:00Z",
                                              "held_by": None}


def test_vitals_are_linked_to_the_step_they_were_taken_at(gammagard_context: VisitContext) -> None:
    state = fold(tolerated_visit(), gammagard_context)
    linked = [(v["at"][11:16], v["phase"], v["rate_ml_h"], v["step_index"]) for v in state["vitals"]]
    assert linked[:4] == [("09:05", "pre", None, None), ("10:05", "infusion", 35, 0),
                          ("10:20", "infusion", 35, 0), ("10:35", "infusion", 70, 1)]
    assert linked[-1] == ("13:25", "post", None, None)
    assert state["baseline"]["temp_c"] == {"value": 36.8, "event_id": "ev-004"}


def test_premedications_show_their_lead_time(gammagard_context: VisitContext) -> None:
    state = fold(tolerated_visit(), gammagard_context)
    assert [(m["drug"], m["lead_min"]) for m in state["medications"]] == [("diphenhydramine", 40.0),
                                                                           ("acetaminophen", 40.0)]


def test_lots_are_listed_for_recalls(gammagard_context: VisitContext) -> None:
    s = tolerated_visit()
    s.opened(150, lot="LE12A")
    s.opened(160, lot="LF99B")
    state = fold(s, gammagard_context)
    assert [(lot["lot"], lot["new_lot"]) for lot in state["lots"]] == [("LE12A", True), ("LE12A", False),
                                                                      ("LF99B", True)]


def test_line_outcome_and_signatures_are_in_the_record(gammagard_context: VisitContext) -> None:
    state = fold(tolerated_visit(), gammagard_context)
    assert state["line"]["outcome"]["outcome"] == "removed"
    assert [sig["role"] for sig in state["signatures"]] == ["nurse"]


def test_location_null_is_recorded_as_not_verified(gammagard_context: VisitContext) -> None:
    s = VisitScript()
    s.started(0, location=None)
    assert fold(s, gammagard_context)["location_verified"] is False


@pytest.mark.parametrize(
    ("upto", "status"),
    [(0, "scheduled"), (1, "in_progress"), (3, "completed"), (4, "signed"), (5, "reviewed")],
)
def test_status_follows_the_visit_life(gammagard_context: VisitContext, upto: int, status: str) -> None:
    s = VisitScript()
    s.started(0)
    s.vitals(5)
    s.ended(60)
    s.sign(61)
    s.add(200, "review.signed", {"note": None}, author_id="pharmacist-pia", device_id="desk")
    s.events = s.events[:upto]
    assert fold(s, gammagard_context)["status"] == status


def reviewed_visit() -> VisitScript:
    s = VisitScript()
    s.started(0)
    s.ended(60)
    s.sign(61)
    s.add(200, "review.signed", {"note": None}, author_id="pharmacist-pia", device_id="desk")
    return s


def test_an_entry_reaching_the_server_after_review_reopens_the_visit(gammagard_context: VisitContext) -> None:
    s = reviewed_visit()
    late = s.add(30, "note", {"text": "Forgot: patient reported mild headache."}, recorded_after_min=200)
    state = fold(s, gammagard_context)
    assert (state["status"], state["late_after_review"]) == ("reopened", [late])
    assert [(e["event_id"], e["late_min"]) for e in state["late_entries"]] == [(late, 200.0)]


def test_an_unsynced_entry_after_review_counts_as_after_it(gammagard_context: VisitContext) -> None:
    s = reviewed_visit()
    s.add(300, "note", {"text": "Addendum."}, server_seq=None)
    assert fold(s, gammagard_context)["status"] == "reopened"


def test_the_pharmacists_later_intervention_reopens_the_visit_so_a_released_summary_never_changes_silently(
        gammagard_context: VisitContext) -> None:
    s = reviewed_visit()
    later = s.add(210, "review.intervention", {"kind": "next_rate", "text": "Slower next time.", "next_rate_ml_h": 150},
                  author_id="pharmacist-pia", device_id="desk")
    state = fold(s, gammagard_context)
    assert (state["status"], state["late_after_review"]) == ("reopened", [later])
    s.add(215, "review.signed", {}, author_id="pharmacist-pia", device_id="desk")  # her sign-off releases it again
    assert fold(s, gammagard_context)["status"] == "reviewed"


def test_entries_recorded_within_the_threshold_are_not_late(gammagard_context: VisitContext) -> None:
    s = VisitScript()
    s.add(5, "vitals", {"hr": 70}, recorded_after_min=60)
    late = s.add(6, "vitals", {"hr": 70}, recorded_after_min=61)
    state = fold(s, gammagard_context)
    assert state["invalid"] == []
    assert [e["event_id"] for e in state["late_entries"]] == [late]


def test_the_projection_shows_the_latest_amendment_and_keeps_every_version(gammagard_context: VisitContext) -> None:
    s = tolerated_visit()
    target = s.find("vitals", 95)
    first = s.amend(100, target, {"hr": 80, "temp_c": 37.0}, reason="read the wrong line")
    second = s.amend(101, target, {"hr": 82, "temp_c": 37.0}, reason="rechecked")
    state = fold(s, gammagard_context)
    vitals = next(v for v in state["vitals"] if v["event_id"] == target)
    assert (vitals["hr"], vitals["sbp"]) == (82, None)
    entry = next(e for e in state["entries"] if e["event_id"] == target)
    assert entry["amended"] is True
    assert [(v["event_id"], v["change"], v["payload"]["hr"]) for v in entry["history"]] == [
        (target, "original", 72), (first, "amended", 80), (second, "amended", 82)]


def test_an_amended_rate_changes_the_volume(gammagard_context: VisitContext) -> None:
    s = VisitScript()
    prelude(s)
    start = s.start(50, 350)  # a slip: meant 35
    s.stop(110)
    s.amend(111, start, {"rate_ml_h": 35}, reason="entered 350 instead of 35")
    state = fold(s, gammagard_context)
    assert state["infusion"]["volume_infused_ml"] == 35.0
    assert [a["rule"] for a in state["alerts"] if a["rule"].startswith("start")] == []


def test_a_voided_entry_leaves_the_clinical_picture_but_stays_listed(gammagard_context: VisitContext) -> None:
    s = tolerated_visit()
    wrong = s.vitals(96, spo2=85)  # would raise hypoxia
    void = s.void(100, wrong, reason="another patient's reading")
    state = fold(s, gammagard_context)
    assert wrong not in [v["event_id"] for v in state["vitals"]]
    assert state["alerts"] == []
    assert [(v["event_id"], v["void_event_id"], v["payload"]["spo2"]) for v in state["voided"]] == [(wrong, void, 85)]


def test_voiding_an_amendment_brings_back_the_previous_version(gammagard_context: VisitContext) -> None:
    s = tolerated_visit()
    target = s.find("vitals", 95)
    amendment = s.amend(100, target, {"hr": 130})
    s.void(101, amendment, reason="amended the wrong set")
    state = fold(s, gammagard_context)
    assert next(v for v in state["vitals"] if v["event_id"] == target)["hr"] == 72
    history = next(e for e in state["entries"] if e["event_id"] == target)["history"]
    assert [(v["change"], v["applied"] if "applied" in v else None) for v in history] == [
        ("original", None), ("amended", False)]


def test_an_invalid_event_is_listed_not_folded(gammagard_context: VisitContext) -> None:
    s = tolerated_visit()
    bad = s.add(100, "vitals", {"temp_c": 53})
    state = fold(s, gammagard_context)
    assert [(i["event_id"], i["code"], i["problems"][0]["field"]) for i in state["invalid"]] == [
        (bad, "invalid_payload", "temp_c")]
    assert bad not in [v["event_id"] for v in state["vitals"]]


def test_an_event_that_does_not_fit_the_pump_is_listed_as_an_issue(gammagard_context: VisitContext) -> None:
    s = VisitScript()
    stray = s.rate(20, 70)
    state = fold(s, gammagard_context)
    assert [(i["event_id"], i["code"]) for i in state["issues"]] == [(stray, "no_running_infusion")]
    assert state["segments"] == []


def test_an_unknown_amendment_target_is_listed_as_an_issue(gammagard_context: VisitContext) -> None:
    s = VisitScript()
    amendment = s.amend(20, "ev-999", {"hr": 80})
    assert [(i["event_id"], i["code"]) for i in fold(s, gammagard_context)["issues"]] == [
        (amendment, "unknown_target")]


def test_a_legacy_fahrenheit_vitals_event_folds_in_celsius(gammagard_context: VisitContext) -> None:
    s = VisitScript()
    s.add(5, "vitals", {"temp_f": 100.4}, schema=0)
    assert fold(s, gammagard_context)["vitals"][0]["temp_c"] == 38.0


def test_after_a_reaction_at_280_the_rate_offered_next_time_is_140(gammagard_context: VisitContext) -> None:
    s = VisitScript()
    prelude(s)
    titrate(s, [(50, 35), (80, 70), (110, 140), (140, 280)])
    s.reaction(160, grade=1, symptoms=("headache",), actions=("slowed",))
    s.rate(161, 140, reason="reaction")
    s.stop(200)
    state = fold(s, gammagard_context)
    assert state["infusion"]["last_tolerated_rate_ml_h"] == 140.0
    assert state["reactions"][0]["rate_ml_h"] == 280
    assert state["reactions"][0]["suggested"]["tier"] == "mild"
    assert state["highest_reaction_grade"] == 1


def test_while_paused_for_an_ongoing_reaction_the_advice_is_to_hold(gammagard_context: VisitContext) -> None:
    s = VisitScript()
    prelude(s)
    titrate(s, [(50, 35), (80, 70), (110, 140)])
    s.pause(120)
    s.reaction(120, grade=2, outcome="ongoing", actions=("paused",), notified=[s.notified(121)])
    advice = fold(s, gammagard_context, now=s.at(125))["infusion"]["next_rate"]
    assert (advice["action"], advice["rate_ml_h"]) == ("hold", None)
    s.amend(130, s.find("reaction.observed", 120), {**s.events[-1]["payload"], "outcome": "resolved"})
    advice = fold(s, gammagard_context, now=s.at(131))["infusion"]["next_rate"]
    assert (advice["action"], advice["rate_ml_h"]) == ("lower", 70.0)


def test_an_order_with_explicit_steps_uses_them(catalog: Catalog, rulebook: RuleBook) -> None:
    order = {"product_id": "privigen-10", "dosing_weight_kg": 70, "dose_g": 35,
             "steps_ml_h": [30, 60, 90, 120, 150], "step_min": 15}
    context = VisitContext.from_dict({"order": order}, catalog=catalog, rulebook=rulebook)
    s = VisitScript()
    s.start(0, 30)
    state = fold(s, context)
    assert [step["rate_ml_h"] for step in state["steps"]] == [30, 60, 90, 120, 150]
    assert (state["protocol"]["kind"], state["protocol"]["basis"], state["protocol"]["limit_source"]) == ("fixed_steps", "order", "order_max")
    assert state["infusion"]["grams_ordered"] == 35


def test_a_context_must_resolve_to_a_protocol(catalog: Catalog, rulebook: RuleBook) -> None:
    with pytest.raises(ValueError, match="protocol"):
        VisitContext.from_dict({"order": {"product_id": "privigen-10", "dosing_weight_kg": 70}},
                               catalog=catalog, rulebook=rulebook)
    with pytest.raises(ValueError, match="not for product"):
        VisitContext.from_dict({"order": {**GAMMAGARD_ORDER, "product_id": "privigen-10"}},
                               catalog=catalog, rulebook=rulebook)


def test_duplicate_ids_or_several_visits_are_refused(gammagard_context: VisitContext) -> None:
    s = VisitScript()
    s.vitals(5)
    with pytest.raises(ValueError, match="duplicate"):
        fold_timeline(s.events * 2, context=gammagard_context)
    other = VisitScript(visit_id="visit-2")
    other.add(5, "note", {"text": "x"}, server_seq=None)
    other.events[0]["id"] = "other-1"
    with pytest.raises(ValueError, match="more than one visit"):
        fold_timeline(s.events + other.events, context=gammagard_context)


def test_now_must_carry_a_timezone(gammagard_context: VisitContext) -> None:
    with pytest.raises(ValueError, match="timezone"):
        fold_timeline([], context=gammagard_context, now=datetime(2025, 3, 4, 10, 0))
