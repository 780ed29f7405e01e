"""Hostile text, and where a user can write it: the same forms and events for the in-process tests and
the browser tests, so both prove the same thing about the same data.

Every script payload, if it ever ran, would set `window.__pwned` (the browser test looks for it).
Each entry fits the shortest free-text field it goes into (a lot number holds 40 characters).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.api.events import script_started
from tests.clinical import visits as scripted
from tests.clinical.script import VisitScript

HOSTILE = {
    "script_tag": "<script>window.__pwned=1</script>",
    "img_onerror": '"><img src=x onerror=window.__pwned=1>',
    "javascript_url": "javascript:window.__pwned=1//",
    "svg_onload": "<svg onload=window.__pwned=1>",
    "template": "{{7*7}} ${7*7} {%print(7*7)%}",
    "rtl_override": "Rex\u202eamal\u202c Ortiz",
    "zero_width": "Ze\u200bro\u200dWi\ufeffdth",
    "sql": "' OR 1=1--; DROP TABLE event;--",
}
# Payloads whose characters survive PDF text extraction unchanged (bidi controls and zero-width
# characters are layout instructions there, not glyphs).
PRINTABLE = {name for name, text in HOSTILE.items() if text.isascii()}


def patient_form(text: str, *, mrn: str, physician_id: int) -> dict[str, str]:
    return {"mrn": mrn, "given_name": text, "family_name": text, "birth_date": "1960-01-01",
            "allergies": text, "dosing_weight_kg": "70", "physician_id": str(physician_id)}


def assignment_form(nurse_id: int) -> dict[str, str]:
    return {"nurse_id": str(nurse_id), "starts_on": (date.today() - timedelta(days=7)).isoformat()}


def order_form(text: str) -> dict[str, str]:
    return {
        "product": "gammagard-liquid-10|PI", "dose_g_per_kg": "0.4", "dosing_weight_kg": "70",
        "basis": "label", "prescriber": text, "active": "on",
        "premeds-0-drug": text, "premeds-0-dose": "25", "premeds-0-unit": "mg", "premeds-0-route": "PO",
        "premeds-0-minutes_before": "30",
        "prn_orders-0-drug": text, "prn_orders-0-dose": "25", "prn_orders-0-unit": "mg",
        "prn_orders-0-route": "PO", "prn_orders-0-indication": text,
    }


def hostile_visit(text: str, *, minutes_ago: float = 400) -> VisitScript:
    """A finished visit with `text` in every free-text field a nurse types: lot, drug, reaction
    symptom, who was told, notes, education, the signature."""
    s = script_started(minutes_ago)
    scripted.prelude(s)
    s.opened(46, lot=text)
    s.premed(47, drug=text)
    scripted.titrate(s, scripted.TITRATION[:3])
    s.reaction(125, grade=1, symptoms=(text,), actions=("slowed",),
               notified=[{**s.notified(127), "name": text}])
    s.add(128, "infusion.paused", {"reason": "other", "note": text})
    s.add(130, "infusion.resumed", {"rate_ml_h": 70})
    s.add(150, "education", {"topics": [text], "understanding": "verbalized", "barriers": text})
    s.add(190, "note", {"text": text})
    s.vitals(230)
    s.stop(230)
    s.line_removed(235)
    for minute in (250, 270, 290):
        s.vitals(minute)
    s.sign(292, name=text)
    s.ended(295)
    return s


def held_note(text: str) -> dict[str, Any]:
    """A note payload the server cannot accept (an unknown field): kept in quarantine, shown there."""
    return {"text": text, "hostile_field": text}


def review_forms(text: str) -> list[tuple[str, dict[str, str]]]:
    """(path under the visit, form) for the pharmacist's intervention and sign-off."""
    return [("interventions", {"kind": "other", "text": text}), ("sign-off", {"note": text, "alerts_reviewed": "on"})]
