"""Scripted visits: a tolerated titration raises nothing; each deviation raises exactly its alert.

The base visit (visits.py): 70 kg, Gammagard Liquid 10% for PI, 35 -> 70 -> 140 -> 280 -> 350 mL/h
every 30 min from minute 50, vitals every 15 min while titrating, hourly at the maximum, stop at 245.
"""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from typing import Any

import pytest

from server.clinical import Catalog, VisitContext, fold_timeline, load_rules
from tests.clinical.script import VisitScript
from tests.clinical.visits import (GAMMAGARD_ORDER, TITRATION, ContextFor, checks, finish, prelude, step_up, titrate,
                                   tolerated_visit)


def alerts_of(s: VisitScript, context: VisitContext, now: datetime | None = None) -> list[dict[str, Any]]:
    return fold_timeline(s.events, context=context, now=now).to_dict()["alerts"]


def rules_of(s: VisitScript, context: VisitContext, now: datetime | None = None) -> list[str]:
    return sorted(alert["rule"] for alert in alerts_of(s, context, now))


def visit(*, steps: list[tuple[float, float]] = TITRATION, hourly: tuple[float, ...] = (230,),
          vital_changes: dict[float, dict[str, Any]] | None = None, **prelude_options: Any) -> VisitScript:
    s = VisitScript()
    s.vital_changes = vital_changes or {}
    prelude(s, **prelude_options)
    titrate(s, steps)
    finish(s, hourly=hourly)
    return s


def test_a_tolerated_gammagard_titration_raises_no_alert(gammagard_context: VisitContext) -> None:
    assert alerts_of(tolerated_visit(), gammagard_context) == []


def test_a_febrile_reaction_at_the_third_step_raises_fever(gammagard_context: VisitContext) -> None:
    s = VisitScript()
    s.vital_changes = {125: {"temp_c": 38.2}}  # baseline 36.8: up 1.4 °C
    prelude(s)
    titrate(s, TITRATION[:3])  # 35, 70, then 140 mL/h from minute 110
    fever = s.find("vitals", 125)
    s.reaction(125, grade=1, symptoms=("chills", "fever"), actions=("slowed",))
    s.rate(126, 70, reason="reaction")
    checks(s, [141, 156])
    s.rate(156, 140)  # a full, reaction-free step at 70 before going up again
    checks(s, [171, 186])
    finish(s, stop_at=200, hourly=(), pump_volume_ml=None)
    alerts = alerts_of(s, gammagard_context)
    assert [(a["id"], a["severity"]) for a in alerts] == [(f"fever:{fever}", "warning")]
    assert alerts[0]["message"] == "Fever: temperature 38.2 °C, up 1.4 °C from the baseline 36.8 °C"


def test_a_hypotensive_drop_raises_hypotension_not_also_anaphylaxis_bp(gammagard_context: VisitContext) -> None:
    s = VisitScript()
    s.vital_changes = {125: {"sbp": 78, "dbp": 50}}  # baseline 122: down 44 mmHg, at or below 80
    prelude(s)
    titrate(s, TITRATION[:3])
    s.pause(126)
    s.reaction(127, grade=2, symptoms=("dizziness",), actions=("paused",), notified=[s.notified(130)])
    s.vitals(141, sbp=112, dbp=70)
    s.vitals(150)
    s.resume(150, 70)  # lower than the 140 mL/h it reacted at
    checks(s, [165, 180])
    finish(s, stop_at=190, hourly=(), pump_volume_ml=None)
    alerts = alerts_of(s, gammagard_context)
    assert [(a["rule"], a["severity"]) for a in alerts] == [("hypotension", "critical")]
    assert alerts[0]["message"] == "Hypotension: systolic BP 78 mmHg, down 44 mmHg from the baseline 122 mmHg"


def test_hypoxia_raises_hypoxia(gammagard_context: VisitContext) -> None:
    s = visit(vital_changes={95: {"spo2": 91}})
    assert rules_of(s, gammagard_context) == ["hypoxia"]


def test_an_unsafe_double_step_raises_rate_double_step(gammagard_context: VisitContext) -> None:
    s = visit(steps=[(50, 35), (80, 140), (110, 280), (140, 350)], hourly=(210,))
    alerts = alerts_of(s, gammagard_context)
    assert [a["rule"] for a in alerts] == ["rate_double_step"]
    assert alerts[0]["message"] == "Rate raised from 35 to 140 mL/h, more than one step: the next step is 70 mL/h"


def test_a_step_too_soon_raises_rate_too_soon(gammagard_context: VisitContext) -> None:
    s = VisitScript()
    prelude(s)
    titrate(s, [(50, 35), (70, 70), (110, 140), (140, 280), (170, 350)])  # 20 min at the start rate
    s.vitals(100)
    finish(s)
    alerts = alerts_of(s, gammagard_context)
    assert [a["rule"] for a in alerts] == ["rate_too_soon"]
    assert alerts[0]["message"] == "Rate raised after 20 min at 35 mL/h; this step lasts 30 min"


def test_a_new_lot_without_restarting_the_titration_raises_titration_not_restarted(
    gammagard_context: VisitContext,
) -> None:
    s = VisitScript()
    prelude(s)
    titrate(s)
    new_lot = s.opened(200, lot="LF99B")  # at 350 mL/h, and the pump keeps running at 350
    finish(s)
    alerts = alerts_of(s, gammagard_context)
    assert [(a["id"], a["event_ids"]) for a in alerts] == [(f"titration_not_restarted:{new_lot}", [new_lot])]
    assert alerts[0]["message"] == (
        "New lot LF99B opened but the infusion continued at 350 mL/h: a new lot restarts at 35 mL/h")


def test_a_new_lot_with_a_restart_at_the_start_rate_raises_nothing(gammagard_context: VisitContext) -> None:
    s = VisitScript()
    prelude(s)
    titrate(s)
    s.vitals(199)
    s.pause(199, reason="product_change")
    s.opened(200, lot="LF99B")
    titrate(s, [(201, 35), (231, 70)][:1])
    s.vitals(216)
    s.vitals(231)
    s.rate(231, 70)
    s.vitals(246)
    finish(s, stop_at=255, hourly=(), pump_volume_ml=None)
    assert alerts_of(s, gammagard_context) == []


def test_a_missing_or_expired_anaphylaxis_kit_raises_kit_not_ready_and_a_start_anyway_kit_missing(
    gammagard_context: VisitContext,
) -> None:
    s = visit(kit_in_date=False)
    alerts = alerts_of(s, gammagard_context)
    assert [(a["rule"], a["severity"]) for a in alerts] == [("kit_not_ready", "critical"), ("kit_missing", "critical")]
    assert "kit out of date at the pre-assessment" in alerts[0]["message"]
    assert len(alerts[1]["event_ids"]) == 2  # the start and the failed assessment


def test_starting_with_no_assessment_at_all_raises_kit_missing(gammagard_context: VisitContext) -> None:
    s = visit()
    s.events = [e for e in s.events if e["kind"] != "assessment"]
    assert rules_of(s, gammagard_context) == ["kit_missing"]


def test_late_premedication_raises_premed_timing_for_each_drug(gammagard_context: VisitContext) -> None:
    s = visit(premed_at=40)  # 10 min before the start at minute 50
    alerts = alerts_of(s, gammagard_context)
    assert [a["rule"] for a in alerts] == ["premed_timing", "premed_timing"]
    assert alerts[0]["message"] == (
        "Premedication diphenhydramine given 10 min before the start; expected 30–60 min before the start")


@pytest.mark.parametrize(("premed_at", "expected"), [(20, []), (21, ["premed_timing"] * 2),
                                                   (-10, []), (-11, ["premed_timing"] * 2)])
def test_premedication_window_is_30_to_60_minutes_before_the_start_inclusive(
    gammagard_context: VisitContext, premed_at: float, expected: list[str]
) -> None:
    assert rules_of(visit(premed_at=premed_at), gammagard_context) == expected  # the start is at minute 50


def test_a_premedication_after_the_start_says_after(gammagard_context: VisitContext) -> None:
    s = VisitScript()
    prelude(s)
    titrate(s)
    s.premed(55, "cetirizine", 10)
    finish(s)
    context = gammagard_context
    messages = [a["message"] for a in alerts_of(s, context)]
    assert messages == ["cetirizine 10 mg given: not on the order's premedication list",
                        "Premedication cetirizine given 5 min after the start; expected 30–60 min before the start"]


def test_a_second_acetaminophen_dose_not_on_the_prn_list_is_flagged(context_for: ContextFor) -> None:
    """Acetaminophen is ordered as a premedication only: a PRN dose 2 h later is off the order; a
    diphenhydramine PRN dose above the PRN order's 25 mg is flagged too; one within it is not."""
    s = VisitScript()
    prelude(s)
    titrate(s)
    s.add(170, "medication.given", {"drug": "Acetaminophen", "dose": 650, "unit": "mg", "route": "PO", "purpose": "prn"})
    s.add(175, "medication.given", {"drug": "diphenhydramine", "dose": 50, "unit": "mg", "route": "PO", "purpose": "reaction"})
    s.add(176, "medication.given", {"drug": "diphenhydramine", "dose": 25, "unit": "mg", "route": "PO", "purpose": "prn"})
    finish(s)
    context = context_for(prn_orders=[{"drug": "Diphenhydramine", "dose": 25, "unit": "mg", "route": "PO"}])
    flagged = [(a["event_ids"], a["message"]) for a in alerts_of(s, context) if a["rule"] == "medication_off_order"]
    assert flagged == [
        ([s.find("medication.given", 170)], "Acetaminophen 650 mg given: not on the order's PRN list"),
        ([s.find("medication.given", 175)], "diphenhydramine 50 mg given: above the ordered 25 mg"),
    ]


def test_an_ordered_premedication_never_given_raises_premed_missing(gammagard_context: VisitContext) -> None:
    s = visit()
    s.events = [e for e in s.events if e["payload"].get("drug") != "acetaminophen"]
    alerts = alerts_of(s, gammagard_context)
    assert [a["message"] for a in alerts] == [
        "Ordered premedication not recorded before the infusion start: acetaminophen"]


def test_a_grade_2_reaction_without_notification_raises_reaction_notification_missing(
    gammagard_context: VisitContext,
) -> None:
    s = VisitScript()
    prelude(s)
    titrate(s, TITRATION[:2])
    s.reaction(95, grade=2, symptoms=("headache",), actions=("paused",), outcome="resolved")
    s.pause(95)
    s.resume(105, 35)
    checks(s, [110, 125, 140])
    finish(s, stop_at=150, hourly=(), pump_volume_ml=None)
    assert rules_of(s, gammagard_context) == ["reaction_notification_missing"]


def test_an_increase_after_a_reaction_in_the_step_raises_increase_after_reaction(
    gammagard_context: VisitContext,
) -> None:
    s = VisitScript()
    prelude(s)
    titrate(s, TITRATION[:3])
    reaction = s.reaction(120, grade=1, symptoms=("flushing",), actions=("observed",))
    first_increase = step_up(s, 140, 280)  # still reacting in the 140 mL/h step
    step_up(s, 170, 350)
    finish(s)
    alerts = alerts_of(s, gammagard_context)
    assert [(a["rule"], a["event_ids"]) for a in alerts] == [
        ("increase_after_reaction", [first_increase, reaction])]


def test_resuming_at_the_rate_that_caused_a_reaction_raises_resume_not_lower(gammagard_context: VisitContext) -> None:
    s = VisitScript()
    prelude(s)
    titrate(s, TITRATION[:3])
    s.pause(120)
    s.reaction(120, grade=1, symptoms=("chills",), actions=("paused",))
    s.vitals(125)
    s.resume(130, 140)
    checks(s, [140, 155, 170])
    finish(s, stop_at=180, hourly=(), pump_volume_ml=None)
    assert rules_of(s, gammagard_context) == ["resume_not_lower"]


def test_opening_another_brand_raises_mixed_brands_and_product_not_ordered(gammagard_context: VisitContext) -> None:
    s = VisitScript()
    prelude(s)
    titrate(s)
    s.pause(199, reason="product_change")
    other = s.opened(200, lot="P123", product_id="privigen-10")
    s.resume(201, 35)
    checks(s, [200, 215])
    finish(s, pump_volume_ml=460)  # the pause and the restart at 35 mL/h leave the rates' 457 mL, not a full 700
    alerts = alerts_of(s, gammagard_context)
    assert sorted((a["rule"], a["event_ids"][0]) for a in alerts) == [
        ("mixed_brands", other), ("product_not_ordered", other)]
    assert {a["message"] for a in alerts} == {
        "Privigen 10% opened in a visit that already used Gammagard Liquid 10%: do not mix brands",
        "Privigen 10% opened, but the order is for Gammagard Liquid 10%"}


@pytest.mark.parametrize(
    ("weight_kg", "expected"), [(77, ["weight_change"]), (76.9, []), (63, ["weight_change"]), (63.1, [])]
)
def test_weight_10_percent_from_the_dosing_weight_raises_weight_change(
    gammagard_context: VisitContext, weight_kg: float, expected: list[str]
) -> None:
    s = visit()
    s.events[1]["payload"]["weight_kg"] = weight_kg
    assert rules_of(s, gammagard_context) == expected


@pytest.mark.parametrize(("expiry", "expected"), [
    ("2025-03-03", ["product_expired", "start_not_ready"]), ("2025-03-04", [])])
def test_a_lot_past_its_expiry_date_raises_product_expired(
    gammagard_context: VisitContext, expiry: str, expected: list[str]
) -> None:
    s = visit()
    next(e for e in s.events if e["kind"] == "product.opened")["payload"]["expiry"] = expiry
    assert rules_of(s, gammagard_context) == expected


def test_a_lot_failing_inspection_raises_product_inspection_failed(gammagard_context: VisitContext) -> None:
    s = visit()
    next(e for e in s.events if e["kind"] == "product.opened")["payload"]["inspected_ok"] = False
    assert rules_of(s, gammagard_context) == ["product_inspection_failed", "start_not_ready"]


def test_a_start_with_no_usable_product_before_it_is_flagged_with_its_override_reason(
    gammagard_context: VisitContext
) -> None:
    s = visit()
    opened = next(e for e in s.events if e["kind"] == "product.opened")
    s.events.remove(opened)
    start = next(e for e in s.events if e["kind"] == "infusion.started")
    start["payload"]["override_reason"] = "vial in hand, tablet entry after"
    alerts = fold_timeline(s.events, context=gammagard_context).to_dict()["alerts"]
    assert [(a["rule"], a["severity"], a["event_ids"], a["message"]) for a in alerts] == [(
        "start_not_ready", "critical", [start["id"]], "Infusion started without an opened, inspected, in-date "
        "product of the order (override reason: vial in hand, tablet entry after)")]


def test_starting_above_the_start_rate_raises_start_rate_high(gammagard_context: VisitContext) -> None:
    s = visit(steps=[(50, 70), (80, 140), (110, 280), (140, 350)], hourly=(210,))
    assert rules_of(s, gammagard_context) == ["start_rate_high"]


def test_a_restart_after_a_stop_begins_again_at_the_start_rate(gammagard_context: VisitContext) -> None:
    s = VisitScript()
    prelude(s)
    titrate(s, TITRATION[:2])
    s.vitals(100)
    s.stop(100, reason="line_issue")
    s.vitals(105)
    restart = s.start(105, 70)  # the pump ran at 70 before the stop; a new run starts at 35
    checks(s, [120, 135])
    finish(s, stop_at=140, hourly=(), pump_volume_ml=None)
    assert [(a["rule"], a["event_ids"]) for a in alerts_of(s, gammagard_context)] == [
        ("start_rate_high", [restart])]


def test_running_above_the_order_cap_raises_rate_above_limit(context_for: ContextFor) -> None:
    context = context_for(rate_cap_ml_h=200)
    s = visit()
    alerts = alerts_of(s, context)
    assert [a["rule"] for a in alerts] == ["rate_above_limit", "rate_above_limit"]
    assert alerts[0]["message"] == "Rate 280 mL/h is above the order's rate cap (200 mL/h)"


def test_a_positive_thrombosis_screen_applies_the_at_risk_cap(context_for: ContextFor) -> None:
    context = context_for(product_id="octagam-10", protocol_id="octagam-10-itp", premeds=[])
    s = VisitScript()
    s.started(0)
    s.assessment(2, thrombosis_risk=True)
    s.vitals(5)
    s.opened(45, product_id="octagam-10")
    titrate(s, [(50, 42), (80, 84), (110, 168)])
    finish(s, stop_at=130, hourly=(), pump_volume_ml=None)
    alerts = alerts_of(s, context)
    assert [a["message"] for a in alerts] == ["Rate 168 mL/h is above the at-risk cap (126 mL/h)"]


def test_severe_fever_supersedes_fever_on_the_same_vitals(gammagard_context: VisitContext) -> None:
    s = visit(vital_changes={95: {"temp_c": 39.1}})
    assert rules_of(s, gammagard_context) == ["fever_severe"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({95: {"temp_c": 37.8}}, []),  # up 1.0 but below 38.0
        ({95: {"temp_c": 38.0}}, ["fever"]),  # 38.0 and up 1.2
        ({5: {"temp_c": 37.0}, 95: {"temp_c": 38.0}}, ["fever"]),  # both edges exactly
        ({5: {"temp_c": 37.1}, 95: {"temp_c": 38.0}}, []),  # up only 0.9
        ({95: {"temp_c": 38.8}}, ["fever_severe"]),  # up 2.0 exactly
        ({95: {"temp_c": 38.7}}, ["fever"]),  # up 1.9
        ({5: {"temp_c": 38.0}, 95: {"temp_c": 39.0}}, ["fever_before_start", "fever_severe"]),  # a febrile baseline
        ({95: {"sbp": 89, "dbp": 60}}, ["anaphylaxis_bp"]),
        ({95: {"sbp": 90, "dbp": 60}}, []),
        ({5: {"sbp": 140}, 95: {"sbp": 97, "dbp": 60}}, ["anaphylaxis_bp"]),  # 69.3% of baseline
        ({5: {"sbp": 140}, 95: {"sbp": 98, "dbp": 60}}, []),  # exactly 70%
        ({5: {"sbp": 110}, 95: {"sbp": 80, "dbp": 60}}, ["hypotension"]),  # down 30, at 80
        ({5: {"sbp": 109}, 95: {"sbp": 80, "dbp": 60}}, ["anaphylaxis_bp"]),  # down only 29
        ({95: {"hr": 121}}, ["hr_high"]),
        ({95: {"hr": 120}}, []),
        ({95: {"rr": 25}}, ["rr_high"]),
        ({95: {"rr": 24}}, []),
        ({95: {"spo2": 92}}, ["hypoxia"]),
        ({95: {"spo2": 93}}, []),
        ({5: {"spo2": 92}}, ["hypoxia"]),  # absolute thresholds apply before the start too
    ],
)
def test_vital_sign_thresholds_at_their_edges(
    gammagard_context: VisitContext, changes: dict[float, dict[str, float]], expected: list[str]
) -> None:
    assert rules_of(visit(vital_changes=changes), gammagard_context) == expected


def test_alert_ids_are_the_rule_and_the_first_event_so_every_device_agrees(gammagard_context: VisitContext) -> None:
    s = visit(vital_changes={95: {"spo2": 90}})
    first, second = alerts_of(s, gammagard_context), alerts_of(s, gammagard_context)
    assert first == second
    assert first[0]["id"] == f"hypoxia:{first[0]['event_ids'][0]}"


def test_a_disabled_rule_stays_silent(catalog: Catalog) -> None:
    data = json.loads(resources.files("server.clinical").joinpath("data/rules.json").read_text("utf-8"))
    next(r for r in data["rules"] if r["id"] == "hypoxia")["enabled"] = False
    context = VisitContext.from_dict({"order": GAMMAGARD_ORDER}, catalog=catalog, rulebook=load_rules(data))
    assert rules_of(visit(vital_changes={95: {"spo2": 90}}), context) == []
