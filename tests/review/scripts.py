"""Realistic visits with known risks for the review tests, written with the clinical script helper.

Patients in tests/conftest.py weigh 70 kg on Gammagard Liquid 10% for PI (ladder 35, 70, 140, 280,
350 mL/h). Every visit here observes 60 min after the stop, so a first infusion raises no
"observation incomplete" alert, and ends signed by the nurse.
"""

from __future__ import annotations

import uuid
from typing import Any

from tests.api.events import readdress, script_started
from tests.clinical import visits as scripted
from tests.clinical.script import VisitScript

HYPOTENSION = {125: {"sbp": 78, "dbp": 50}}  # baseline 122: a critical hypotension alert
FEVER = {125: {"temp_c": 38.2}}  # baseline 36.8: a fever warning


def finish_observed(s: VisitScript, stop_at: float = scripted.STOP_AT, pump_volume_ml: float | None = 700) -> None:
    """Completion vitals, stop, line out, 60 min of observation, the nurse's signature, time out."""
    s.vitals(stop_at)
    s.stop(stop_at, pump_volume_ml=pump_volume_ml)
    s.line_removed(stop_at + 5)
    for minute in (20, 40, 60):
        s.vitals(stop_at + minute)
    s.sign(stop_at + 62)
    s.ended(stop_at + 65)


def tolerated(*, minutes_ago: float = 400, vital_changes: dict | None = None) -> VisitScript:
    s = script_started(minutes_ago)
    s.vital_changes = vital_changes or {}
    scripted.prelude(s)
    scripted.titrate(s)
    scripted.checks(s, [230])
    finish_observed(s)
    return s


def febrile_reaction(*, minutes_ago: float = 400, note: str | None = None) -> VisitScript:
    """A grade 2 febrile reaction at 140 mL/h: slowed to 70, prescriber told, resumed the climb later."""
    s = script_started(minutes_ago)
    s.vital_changes = dict(FEVER)
    scripted.prelude(s)
    scripted.titrate(s, scripted.TITRATION[:3])
    s.reaction(125, grade=2, symptoms=("chills", "fever"), actions=("slowed", "medication_given"),
               notified=[s.notified(127)])
    s.add(126, "medication.given", {"drug": "acetaminophen", "dose": 650, "unit": "mg", "route": "PO",
                                    "purpose": "reaction"})
    s.rate(126, 70, reason="reaction")
    scripted.checks(s, [141, 156])
    s.rate(156, 140)
    scripted.checks(s, [171, 186, 201, 216])
    if note is not None:
        s.add(190, "note", {"text": note})
    finish_observed(s, stop_at=230, pump_volume_ml=None)
    return s


def six_hour_visit(*, minutes_ago: float = 480) -> VisitScript:
    """A slow visit of six hours (over 100 entries): a cautious climb held at 140 mL/h for hours."""
    s = script_started(minutes_ago)
    scripted.prelude(s)
    scripted.titrate(s, scripted.TITRATION[:3])
    for minute in range(130, 360, 5):
        s.vitals(minute)
        if minute % 30 == 0:
            s.add(minute + 1, "line.assessed", {"phase": "during", "findings": ["no_complications"]})
        if minute % 10 == 0:
            s.add(minute + 2, "note", {"text": f"Patient comfortable at {minute} min, watching television."})
        if minute == 200:
            s.pause(203, reason="patient_request")
            s.resume(212, 140)
    finish_observed(s, stop_at=360, pump_volume_ml=None)
    return s


def crowded_visit(*, minutes_ago: float = 480) -> VisitScript:
    """All that a physician summary holds at once: the full climb to 350 mL/h, a grade 2 reaction there with the
    prescriber told and a drug given, a pause, the climb again, and thirteen long nurse notes (the page shows six)."""
    s = script_started(minutes_ago)
    s.vital_changes = dict(FEVER)
    scripted.prelude(s, premed_at=9.9)  # 40.1 min before the start: written "40 min"
    scripted.titrate(s)
    reaction = s.reaction(185, grade=2, symptoms=("chills", "fever", "headache"), actions=("paused", "medication_given"),
                          outcome="improving", notified=[s.notified(187)])
    s.pause(185, reason="reaction")
    s.add(186, "medication.given", {"drug": "acetaminophen", "dose": 650, "unit": "mg", "route": "PO",
                                    "purpose": "reaction"})
    s.add(198, "reaction.resolved", {"reaction_id": reaction, "note": None})
    s.resume(200, 140)
    scripted.checks(s, [195, 210, 225, 240])
    s.rate(240, 280)
    scripted.checks(s, [255, 270])
    for index in range(13):
        s.add(60 + index * 15, "note", {"text": f"Check {index + 1}: patient resting comfortably in her chair, "
                                                "tolerating the infusion, no new complaints; site clean, dry."})
    finish_observed(s, stop_at=280, pump_volume_ml=None)
    return s


def events_for(script: VisitScript, visit: Any, *, first_seq: int = 1) -> list[dict[str, Any]]:
    """The script re-addressed for a real visit of the server (its patient and order)."""
    return readdress(script, visit_id=visit.id, patient_id=visit.patient_id, order_id=visit.order_id,
                     first_seq=first_seq)


def new_visit_id() -> uuid.UUID:
    return uuid.uuid4()
