"""One visit entry in words, as a pharmacist or physician reads it on the timeline.

Plain text only: the templates escape it. Free text typed by a nurse (notes, reasons, symptoms)
passes through unchanged so that it is shown exactly as written, never interpreted.
"""

from __future__ import annotations

from typing import Any, Callable

from server.clinical.rounding import format_number
from server.services.catalogue_names import product_name

KIND_LABELS = {
    "visit.started": "Time in", "visit.ended": "Time out", "assessment": "Assessment", "vitals": "Vital signs",
    "medication.given": "Medication", "product.opened": "Product opened", "infusion.started": "Infusion started",
    "infusion.rate_changed": "Rate changed", "infusion.paused": "Infusion paused",
    "infusion.resumed": "Infusion resumed", "infusion.stopped": "Infusion stopped", "line.placed": "Line placed",
    "line.assessed": "Line assessed", "line.removed": "Line removed", "line.left_in_place": "Line left in place",
    "reaction.observed": "Reaction", "reaction.resolved": "Reaction resolved", "education": "Education",
    "note": "Note", "signature": "Signature",
    "review.signed": "Pharmacist sign-off", "review.intervention": "Pharmacist intervention",
    "entry.amended": "Amendment", "entry.voided": "Void",
}


def label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def number(value: Any) -> str:
    return "" if value is None else format_number(float(value), 2)


def vitals_text(payload: dict[str, Any]) -> str:
    parts = []
    if payload.get("temp_c") is not None:
        parts.append(f"T {number(payload['temp_c'])} °C")
    if payload.get("hr") is not None:
        parts.append(f"HR {number(payload['hr'])}/min")
    if payload.get("sbp") is not None:
        parts.append(f"BP {number(payload['sbp'])}/{number(payload.get('dbp'))} mmHg")
    if payload.get("rr") is not None:
        parts.append(f"RR {number(payload['rr'])}/min")
    if payload.get("spo2") is not None:
        parts.append(f"SpO2 {number(payload['spo2'])}%")
    if payload.get("pain") is not None:
        parts.append(f"pain {payload['pain']}/10")
    return ", ".join(parts)


def _words(values: list[str]) -> str:
    return ", ".join(str(value).replace("_", " ") for value in values)


def _screen(p: dict[str, Any]) -> str:
    """What the pre-assessment's screen found, in capitals where it needs acting on (pwa/describe.js `screen`)."""
    found = [text for text, shown in (
        ("hydration INADEQUATE", p["hydration"] == "inadequate"), ("HEADACHE", p["headache"]),
        ("SIGNS OF INFECTION/FEVER", p["infection_signs"]), ("thrombosis risk", p["thrombosis_risk"]),
        ("renal risk", p["renal_risk"]), ("allergies NOT reviewed", p["allergies_reviewed"] is False),
        (f"symptoms: {_words(p.get('symptoms') or [])}", bool(p.get("symptoms")))) if shown]
    return ", ".join(found) or "screen clear"


def _assessment(p: dict[str, Any]) -> str:
    kit = "kit ready" if p["kit_present"] and p["kit_in_date"] and p["kit_undamaged"] else "KIT NOT READY"
    identity = f"identity by {_words(p['identity'])}" if p.get("identity") else "identity NOT CONFIRMED"
    return f"{identity}, weight {number(p['weight_kg'])} kg, {kit}, {_screen(p)}"


def _reaction(p: dict[str, Any]) -> str:
    notified = "; notified " + _words([n["who"] for n in p["notified"]]) if p.get("notified") else ""
    return (f"grade {p['grade']}: {', '.join(p['symptoms'])}; actions: {_words(p['actions']) or 'none'}; "
            f"outcome {p['outcome']}{_as_recorded(p)}{notified}")


def _as_recorded(p: dict[str, Any]) -> str:
    """The outcome the nurse recorded, where a later resolution changed it (a walk read only "resolved")."""
    recorded = p.get("outcome_recorded")
    return f" (recorded {recorded} at the time)" if recorded and recorded != p["outcome"] else ""


def _line_placed(p: dict[str, Any]) -> str:
    """Every detail the nurse entered of the line (a walk's review showed type and site only)."""
    device = " ".join(str(part) for part in (p["status"], p["type"], f"{p['gauge']} G" if p.get("gauge") else "",
                                             f"{number(p['length_cm'])} cm" if p.get("length_cm") else "") if part)
    details = [f"{p['attempts']} attempt(s)" if p.get("attempts") else "", f"by {p['inserted_by']}" if p.get("inserted_by") else "",
               {True: "blood return", False: "NO blood return"}.get(p.get("blood_return"), ""),
               f"flushed {number(p['flush_volume_ml'])} mL {p['flush_solution']}" if p.get("flush_volume_ml") else ""]
    return "; ".join([f"{device}, {line_site(p)}", *(d for d in details if d), _words(p["findings"])])


def line_site(p: dict[str, Any]) -> str:
    """The line's side and site, the side not said twice when the site names it ("right right forearm": a walk);
    the summary's line too (it dropped the side)."""
    side = p.get("side") or ""
    return p["site"] if side.casefold() in p["site"].casefold().split() else " ".join(filter(None, (side, p["site"])))


def _product_extras(p: dict[str, Any]) -> str:
    extras = [f"NDC {p['ndc']}" if p.get("ndc") else "",
              {True: "in-line filter", False: "no in-line filter"}.get(p.get("inline_filter"), "")]
    return "".join(f", {extra}" for extra in extras if extra)


def _with_reason(text: str, p: dict[str, Any], *names: str) -> str:
    """`text` and the named fields, "; " between those present (an empty `text` adds nothing)."""
    extra = [str(p[name]).replace("_", " ") for name in names if p.get(name)]
    return "; ".join(part for part in (text, *extra) if part)


DESCRIBERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "visit.started": lambda p: "location verified" if p.get("location") else "location not verified",
    "visit.ended": lambda p: "waste disposed" if p.get("waste_disposed") else "",
    "assessment": _assessment,
    "vitals": vitals_text,
    "medication.given": lambda p: f"{p['drug']} {number(p['dose'])} {p['unit']} {p['route']} ({p['purpose']})",
    "product.opened": lambda p: (f"{product_name(p['product_id'])} lot {p['lot']}, expiry {p['expiry']}, {number(p['volume_ml'])} mL, "
                                 f"{'inspected' if p['inspected_ok'] else 'INSPECTION FAILED'}{_product_extras(p)}"),
    "infusion.started": lambda p: f"{number(p['rate_ml_h'])} mL/h",
    "infusion.rate_changed": lambda p: _with_reason(f"{number(p['rate_ml_h'])} mL/h", p, "reason", "note"),
    "infusion.paused": lambda p: _with_reason("", p, "reason", "note"),  # after its label "Infusion paused"
    "infusion.resumed": lambda p: f"{number(p['rate_ml_h'])} mL/h",
    "infusion.stopped": lambda p: _with_reason(
        f"pump volume {number(p['pump_volume_ml'])} mL" if p.get("pump_volume_ml") is not None else "",
        p, "reason", "note"),
    "line.placed": lambda p: _line_placed(p),
    "line.assessed": lambda p: _with_reason(f"{p['phase']}: {_words(p['findings'])}", p, "note"),
    "line.removed": lambda p: _with_reason(
        f"{p['reason'].replace('_', ' ')}, tip {'intact' if p['tip_intact'] else 'NOT intact'}; "
        f"{_words(p['findings'])}", p, "note"),
    "line.left_in_place": lambda p: _with_reason(f"dressing {p['dressing']}; {_words(p['findings'])}", p, "note"),
    "reaction.observed": _reaction,
    "reaction.resolved": lambda p: p.get("note") or "subsided",
    "education": lambda p: _with_reason(f"{', '.join(p['topics'])} ({p['understanding'].replace('_', ' ')})",
                                        p, "barriers"),
    "note": lambda p: p["text"],
    "signature": lambda p: f"{p['name']} ({p['role']}): {p['statement']}",
    "review.signed": lambda p: " · ".join(part for part in (
        p.get("note") or "signed off",
        f"{p['alerts_reviewed']} alert(s) reviewed" if p.get("alerts_reviewed") else "") if part),
    "review.intervention": lambda p: _with_reason(
        p["kind"].replace("_", " ") + (f" {number(p['next_rate_ml_h'])} mL/h" if p.get("next_rate_ml_h") else ""),
        p, "text"),
}


def describe(kind: str, payload: dict[str, Any]) -> str:
    """The entry's content in one line; an unknown kind shows its raw fields."""
    describer = DESCRIBERS.get(kind)
    if describer is None:
        return ", ".join(f"{key}: {value}" for key, value in payload.items())
    try:
        text = describer(payload)
        named = payload.get("order_id") and kind != "visit.started"  # an additional order's pump, not the visit's own
        return f"{text} · order {payload['order_id']}" if named else text
    except (KeyError, TypeError, ValueError, AttributeError):
        return ", ".join(f"{key}: {value}" for key, value in payload.items())
