"""context_problems: whether an event fits what its visit already holds (the caller may quarantine)."""

from __future__ import annotations

from typing import Any

import pytest

from server.clinical import context_problems
from tests.clinical.script import VisitScript


def codes(event: dict[str, Any], prior: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(p.field, p.code) for p in context_problems(event, prior)]


def split(s: VisitScript) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The last scripted event, and the ones before it."""
    return s.events[-1], s.events[:-1]


def test_a_rate_change_needs_a_running_infusion() -> None:
    s = VisitScript()
    s.rate(60, 70)
    assert codes(*split(s)) == [("", "no_running_infusion")]


def test_a_rate_change_after_the_start_fits() -> None:
    s = VisitScript()
    s.start(50, 35)
    s.rate(80, 70)
    assert codes(*split(s)) == []


def test_each_order_runs_its_own_pump() -> None:
    """A pre-hydration (order 2) started while the IVIG runs is no second start of the IVIG; stopping
    order 2 before it started is a misfit of its own pump."""
    s = VisitScript()
    s.start(50, 35)
    s.add(55, "infusion.started", {"rate_ml_h": 100, "order_id": "2"})
    assert codes(*split(s)) == []
    s.add(60, "infusion.stopped", {"reason": "completed", "order_id": "3"})
    assert codes(*split(s)) == [("", "no_running_infusion")]


def test_a_late_entry_is_judged_at_its_clinical_time_not_its_arrival() -> None:
    s = VisitScript()
    s.start(50, 35)
    s.rate(40, 70, reason="other")  # arrives later, but happened before the start
    assert codes(*split(s)) == [("", "no_running_infusion")]


def test_resume_needs_a_paused_infusion() -> None:
    s = VisitScript()
    s.start(50, 35)
    s.resume(60, 35)
    assert codes(*split(s)) == [("", "not_paused")]
    t = VisitScript()
    t.start(50, 35)
    t.pause(55)
    t.resume(60, 35)
    assert codes(*split(t)) == []


def test_a_pause_while_paused_and_a_stop_before_any_start_do_not_fit() -> None:
    s = VisitScript()
    s.start(50, 35)
    s.pause(55)
    s.pause(56)
    assert codes(*split(s)) == [("", "no_running_infusion")]
    t = VisitScript()
    t.stop(10)
    assert codes(*split(t)) == [("", "no_running_infusion")]


def test_a_second_start_while_running_is_reported() -> None:
    s = VisitScript()
    s.start(50, 35)
    s.start(60, 35)
    assert codes(*split(s)) == [("", "already_running")]


def test_a_voided_start_does_not_count() -> None:
    s = VisitScript()
    start = s.start(50, 35)
    s.void(52, start, reason="started on the wrong chart")
    s.rate(80, 70)
    assert codes(*split(s)) == [("", "no_running_infusion")]


def test_events_of_other_visits_are_ignored() -> None:
    other = VisitScript(visit_id="visit-2")
    other.start(50, 35)
    s = VisitScript()
    s.rate(80, 70)
    assert codes(s.events[0], other.events) == [("", "no_running_infusion")]


def test_an_amendment_is_validated_against_its_targets_kind() -> None:
    s = VisitScript()
    vitals = s.vitals(65)
    s.amend(70, vitals, {"temp_c": 53})
    assert codes(*split(s)) == [("payload.temp_c", "out_of_range")]


def test_an_amendment_cannot_change_the_kind_of_entry() -> None:
    s = VisitScript()
    vitals = s.vitals(65)
    s.amend(70, vitals, {"text": "a note instead"})
    assert codes(*split(s)) == [("payload.text", "extra_field")]


def test_a_valid_amendment_fits() -> None:
    s = VisitScript()
    vitals = s.vitals(65)
    s.amend(70, vitals, {"hr": 80, "sbp": 120, "dbp": 80})
    assert codes(*split(s)) == []


def test_an_amendment_needs_its_target_in_the_same_visit() -> None:
    other = VisitScript(visit_id="visit-2")
    target = other.vitals(65)
    s = VisitScript()
    s.amend(70, target, {"hr": 80})
    assert codes(s.events[0], other.events) == [("target_id", "unknown_target")]


@pytest.mark.parametrize("kind", ["signature", "entry.amended", "entry.voided"])
def test_attestations_and_corrections_cannot_be_amended(kind: str) -> None:
    s = VisitScript()
    vitals = s.vitals(65)
    targets = {"signature": lambda: s.sign(70), "entry.amended": lambda: s.amend(70, vitals, {"hr": 80}),
               "entry.voided": lambda: s.void(70, vitals)}
    target = targets[kind]()
    s.amend(75, target, {"hr": 80})
    assert codes(*split(s)) == [("target_id", "not_correctable")]


def test_an_amendment_cannot_move_a_visit_to_another_patient() -> None:
    s = VisitScript()
    started = s.started(0)
    s.amend(5, started, {"patient_id": "patient-other", "location": None})
    assert codes(*split(s)) == [("payload.patient_id", "patient_changed")]


def test_amending_a_voided_entry_is_reported() -> None:
    s = VisitScript()
    vitals = s.vitals(65)
    s.void(66, vitals)
    s.amend(70, vitals, {"hr": 80})
    assert codes(*split(s)) == [("target_id", "already_voided")]


def test_a_void_needs_an_existing_voidable_target() -> None:
    s = VisitScript()
    s.void(70, "ev-999")
    assert codes(*split(s)) == [("target_id", "unknown_target")]
    t = VisitScript()
    signature = t.sign(70)
    t.void(71, signature)
    assert codes(*split(t)) == [("target_id", "not_correctable")]


def test_voiding_an_amendment_withdraws_it_and_fits() -> None:
    s = VisitScript()
    vitals = s.vitals(65)
    amendment = s.amend(70, vitals, {"hr": 80})
    s.void(71, amendment, reason="amended the wrong set")
    assert codes(*split(s)) == []


def test_a_second_void_of_the_same_entry_is_reported() -> None:
    s = VisitScript()
    vitals = s.vitals(65)
    s.void(66, vitals)
    s.void(67, vitals)
    assert codes(*split(s)) == [("target_id", "already_voided")]


def test_other_kinds_need_no_context() -> None:
    s = VisitScript()
    s.vitals(65)
    assert codes(*split(s)) == []
