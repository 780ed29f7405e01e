"""The summary's first lines: what a physician must know if they read nothing else.

A reaction, the dose actually given against the order, the alerts that were raised and what the
pharmacist decided, each in one sentence, in that order. The print page, the PDF and the FHIR
narrative open with the same lines.
"""

from __future__ import annotations

from server.services.entry_text import number
from server.services.order_volume import dose_given
from server.services.stops import early_stop
from server.services.summary import VisitSummary

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
ALERTS_NAMED = 3


def _reaction_line(s: VisitSummary) -> str:
    reactions = s.state["reactions"]
    if not reactions:
        return "No infusion reaction."
    worst = max(reactions, key=lambda r: r["grade"])
    more = f" ({len(reactions)} reactions in all)" if len(reactions) > 1 else ""
    actions = ", ".join(worst["actions"]).replace("_", " ") or "no action recorded"
    rate = f" at {number(worst['rate_ml_h'])} mL/h" if worst.get("rate_ml_h") is not None else ""
    return (f"Reaction grade {worst['grade']}{rate}, {s.clock.clock(worst['at'])}: {', '.join(worst['symptoms'])}; "
            f"{actions}; outcome {worst['outcome']}{more}.")


def _dose_line(s: VisitSummary) -> str:
    given, ordered, unit = dose_given(s.order, s.state["infusion"])
    why = stopped_early(s)
    stop = f" Stopped early: {why.rstrip('.')}." if why else ""  # her note's own full stop, not two (a walk)
    if ordered:
        share = 100 * given / ordered  # a sliver given is "<1%", not "0%" (a walk: 0.2 of 500 mL read "0%")
        percent = "<1" if 0 < share < 0.5 else number(round(share))
        return f"{number(given)} of {number(ordered)} {unit} given ({percent}% of the order).{stop}"
    return f"{number(given)} {unit} given.{stop}"


def stopped_early(s: VisitSummary) -> str | None:
    """Why the visit's own infusion stopped before its completion: the reason and the nurse's note."""
    stop = early_stop(s.state["entries"])
    return "; ".join(filter(None, (stop["reason"].replace("_", " "), stop.get("note")))) if stop else None


def _alerts_line(s: VisitSummary) -> str | None:
    alerts = sorted(s.state["alerts"], key=lambda a: SEVERITY_ORDER.get(a["severity"], 9))
    if not alerts:
        return None
    named = "; ".join(a["message"] for a in alerts[:ALERTS_NAMED])
    rest = f"; and {len(alerts) - ALERTS_NAMED} more" if len(alerts) > ALERTS_NAMED else ""
    return f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''}: {named}{rest}."


def _override_line(s: VisitSummary) -> str | None:
    """The order stood above the label maximum or the at-risk cap only by a pharmacist's override."""
    override = s.order.safety_override
    if not override:
        return None
    overridden = "; ".join(problem["finding"] for problem in override["problems"])
    return f"Order override by {override['by']}: {overridden}. Reason: {override['reason'].rstrip('. ')}."


def _pharmacist_line(s: VisitSummary) -> str:
    rates = [i["next_rate_ml_h"] for i in s.interventions if i.get("next_rate_ml_h")]
    plan = f" Next infusion: {number(rates[-1])} mL/h." if rates else ""
    if s.signoff is None:
        return "Not yet reviewed by a pharmacist." + plan
    note = (s.signoff.get("note") or "reviewed, no comment").rstrip(". ")
    return f"Pharmacist: {note}.{plan}"


def bottom_line(s: VisitSummary) -> list[str]:
    lines = (_reaction_line(s), _dose_line(s), _override_line(s), _alerts_line(s), _pharmacist_line(s))
    return [line for line in lines if line]
