"""The vital-signs schedule: overdue checks against `now`, and checks missed around rate changes,
completion and the observation period (CLINICAL.md section 3)."""

from __future__ import annotations

from typing import Any

from server.clinical import VisitContext, fold_timeline
from tests.clinical.script import VisitScript
from tests.clinical.visits import ContextFor, prelude, titrate, tolerated_visit


def running_visit() -> VisitScript:
    """Started at minute 50 at 35 mL/h; last vitals at 65."""
    s = VisitScript()
    prelude(s)
    s.start(50, 35)
    s.vitals(65)
    return s


def state(s: VisitScript, context: VisitContext, now_min: float | None = None) -> dict[str, Any]:
    now = None if now_min is None else s.at(now_min)
    return fold_timeline(s.events, context=context, now=now).to_dict()


def test_vitals_are_due_15_minutes_after_the_last_check_while_titrating(gammagard_context: VisitContext) -> None:
    assert state(running_visit(), gammagard_context, 70)["next_vitals_due_at"] == "2025-03-04T10:20:00Z"


def test_a_check_becomes_overdue_only_after_the_grace_period(gammagard_context: VisitContext) -> None:
    s = running_visit()
    assert state(s, gammagard_context, 85)["alerts"] == []  # due 80, grace 5 min
    alerts = state(s, gammagard_context, 86)["alerts"]
    assert [(a["id"], a["message"]) for a in alerts] == [
        (f"vitals_overdue:{s.find('vitals', 65)}", "Vital signs overdue: due every 15 min while titrating")]


def test_the_overdue_alert_keeps_its_id_as_time_passes(gammagard_context: VisitContext) -> None:
    s = running_visit()
    ids = {a["id"] for minute in (90, 120, 200) for a in state(s, gammagard_context, minute)["alerts"]}
    assert ids == {f"vitals_overdue:{s.find('vitals', 65)}"}


def test_at_the_maximum_rate_vitals_are_hourly(gammagard_context: VisitContext) -> None:
    s = VisitScript()
    prelude(s)
    titrate(s)  # reaches 350 at 170; last vitals at 185
    assert state(s, gammagard_context, 240)["alerts"] == []
    assert state(s, gammagard_context, 240)["next_vitals_due_at"] == "2025-03-04T13:05:00Z"  # 185 + 60
    # the 700 mL opened (70 g) ran out at minute 245 (262.5 mL by 170, then 350 mL/h): past it the rates say more
    # than the bag held, so 70 g is counted and the nurse is asked for the pump's volume (no dose exceeded)
    assert [a["rule"] for a in state(s, gammagard_context, 251)["alerts"]] == ["rates_past_opened", "vitals_overdue"]


def test_a_late_check_is_remembered_as_missed_once_it_is_recorded(gammagard_context: VisitContext) -> None:
    s = running_visit()
    s.vitals(95)  # 30 min after the last check
    assert [a["rule"] for a in state(s, gammagard_context)["alerts"]] == ["vitals_overdue"]


def test_no_vitals_before_the_start_raises_vitals_baseline_missing(gammagard_context: VisitContext) -> None:
    s = tolerated_visit()
    s.events = [e for e in s.events if not (e["kind"] == "vitals" and e["occurred_at"] < "2025-03-04T09:50")]
    assert [a["rule"] for a in state(s, gammagard_context)["alerts"]] == ["vitals_baseline_missing"]


def test_an_increase_without_a_recent_check_raises_vitals_at_increase_missing(context_for: ContextFor) -> None:
    context = context_for(vitals_schedule={"titrating_every_min": 30, "increase_window_min": 10})
    s = VisitScript()
    prelude(s)
    s.start(50, 35)
    s.vitals(65)
    increase = s.rate(80, 70)  # last check 15 min before, the window is 10
    s.vitals(95)
    alerts = state(s, context, 100)["alerts"]
    assert [(a["rule"], a["event_ids"]) for a in alerts] == [("vitals_at_increase_missing", [increase])]


def test_no_vitals_at_the_stop_raises_vitals_completion_missing(gammagard_context: VisitContext) -> None:
    s = tolerated_visit()  # hourly check at 230, stop at 245: drop both (the window is 15 min)
    s.events = [e for e in s.events if not (e["kind"] == "vitals" and e["occurred_at"] in (
        "2025-03-04T12:50:00Z", "2025-03-04T13:05:00Z"))]
    stop = s.find("infusion.stopped", 245)
    assert [a["id"] for a in state(s, gammagard_context)["alerts"]] == [f"vitals_completion_missing:{stop}"]


def test_first_infusion_needs_60_minutes_of_observation(context_for: ContextFor) -> None:
    context = context_for(patient={"first_infusion": True})
    s = tolerated_visit()  # observation check 20 min after the stop, then time out
    alerts = state(s, context)["alerts"]
    assert [a["message"] for a in alerts] == [
        "Post-infusion observation: vital signs due 60 min after the stop are not recorded"]


def test_observation_is_pending_not_missed_while_the_nurse_is_still_there(context_for: ContextFor) -> None:
    context = context_for(patient={"long_gap": True})
    s = VisitScript()
    prelude(s)
    titrate(s)
    s.vitals(230)
    s.vitals(245)
    s.stop(245)
    assert state(s, context, 280)["alerts"] == []
    assert state(s, context, 280)["next_vitals_due_at"] == "2025-03-04T14:05:00Z"  # stop + 60
    assert [a["rule"] for a in state(s, context, 311)["alerts"]] == ["observation_incomplete"]


def test_after_the_visit_ends_nothing_is_due(gammagard_context: VisitContext) -> None:
    assert state(tolerated_visit(), gammagard_context, 400)["next_vitals_due_at"] is None
