"""Vital-sign alerts against the visit's baseline (CLINICAL.md section 3 table).

Relative conditions (a rise or fall from baseline) apply only after the infusion started, when a
baseline exists; absolute ones (SpO2 ≤ 92%) apply to every set. Differences are rounded half up to
0.1 before comparison, so 37.8 − 36.8 counts as exactly 1.0 on the tablet and the server alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.clinical.findings import Finding, RuleCode
from server.clinical.rounding import format_number, round_half_up

if TYPE_CHECKING:
    from server.clinical.picture import Picture, VitalsPoint
    from server.clinical.rulebook import RuleSpec


def _baseline(picture: Picture, point: VitalsPoint, name: str) -> float | None:
    """The baseline to compare this set with; None before the start or without a baseline."""
    found = picture.baseline.get(name)
    return None if found is None or point.phase == "pre" else found.value


def _with(picture: Picture, name: str) -> list[tuple[VitalsPoint, float, float | None]]:
    """Each set that measured `name`: (point, value, baseline or None)."""
    return [(point, point.entry.payload[name], _baseline(picture, point, name))
            for point in picture.vitals if point.entry.payload[name] is not None]


def _baseline_text(baseline: float | None, unit: str) -> str:
    return "not recorded" if baseline is None else f"{format_number(baseline, 2)}{unit}"


def fever(picture: Picture, rule: RuleSpec) -> list[Finding]:
    limits, found = rule.thresholds, []
    for point, temp, base in _with(picture, "temp_c"):
        if base is None:
            continue
        rise = round_half_up(temp - base, 1)
        if temp >= limits["temp_c_min"] and rise >= limits["rise_c_min"]:
            values = {"temp_c": temp, "rise_c": rise, "baseline_temp_c": base}
            found.append(Finding((point.entry.id,), values))
    return found


def fever_severe(picture: Picture, rule: RuleSpec) -> list[Finding]:
    limits, found = rule.thresholds, []
    for point, temp, base in _with(picture, "temp_c"):
        rise = None if base is None else round_half_up(temp - base, 1)
        if temp >= limits["temp_c_min"] or (rise is not None and rise >= limits["rise_c_min"]):
            values = {"temp_c": temp, "baseline_text": _baseline_text(base, " °C")}
            found.append(Finding((point.entry.id,), values))
    return found


def hypotension(picture: Picture, rule: RuleSpec) -> list[Finding]:
    limits, found = rule.thresholds, []
    for point, sbp, base in _with(picture, "sbp"):
        if base is None:
            continue
        fall = round_half_up(base - sbp, 1)
        if fall >= limits["fall_mmhg_min"] and sbp <= limits["sbp_max"]:
            values = {"sbp": sbp, "fall_mmhg": fall, "baseline_sbp": base}
            found.append(Finding((point.entry.id,), values))
    return found


def anaphylaxis_bp(picture: Picture, rule: RuleSpec) -> list[Finding]:
    limits, found = rule.thresholds, []
    for point, sbp, base in _with(picture, "sbp"):
        percent = None if base is None else round_half_up(sbp / base * 100, 1)
        if sbp < limits["sbp_below"] or (percent is not None and percent < limits["baseline_pct_below"]):
            values = {"sbp": sbp, "baseline_text": _baseline_text(base, " mmHg")}
            found.append(Finding((point.entry.id,), values))
    return found


def hypoxia(picture: Picture, rule: RuleSpec) -> list[Finding]:
    return [Finding((point.entry.id,), {"spo2": spo2})
            for point, spo2, _ in _with(picture, "spo2") if spo2 <= rule.thresholds["spo2_max"]]


def hr_high(picture: Picture, rule: RuleSpec) -> list[Finding]:
    return [Finding((point.entry.id,), {"hr": hr})
            for point, hr, _ in _with(picture, "hr") if hr > rule.thresholds["hr_above"]]


def rr_high(picture: Picture, rule: RuleSpec) -> list[Finding]:
    return [Finding((point.entry.id,), {"rr": rr})
            for point, rr, _ in _with(picture, "rr") if rr > rule.thresholds["rr_above"]]


VITAL_RULES: dict[str, RuleCode] = {
    "fever": RuleCode(fever, ("temp_c_min", "rise_c_min")),
    "fever_severe": RuleCode(fever_severe, ("temp_c_min", "rise_c_min")),
    "hypotension": RuleCode(hypotension, ("fall_mmhg_min", "sbp_max")),
    "anaphylaxis_bp": RuleCode(anaphylaxis_bp, ("sbp_below", "baseline_pct_below")),
    "hypoxia": RuleCode(hypoxia, ("spo2_max",)),
    "hr_high": RuleCode(hr_high, ("hr_above",)),
    "rr_high": RuleCode(rr_high, ("rr_above",)),
}
