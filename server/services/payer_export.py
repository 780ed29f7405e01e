"""The payer proof of every signed-off visit in a span of days, for the billing system (PAYER.md s.2): one CSV row
per vial or bag opened, each with its visit's proof of place, person and monitoring (time in and out in UTC as
aggregators take them, the identifiers the patient was confirmed by, whether the location was captured, the
nurse's signature, the vital signs taken, the worst reaction) and its drug's JW/JZ line. Bounded: at most
`MAX_DAYS` days and `MAX_VISITS` visits per file, so no range makes the export slow or huge."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from server import access
from server.db.models import User, VisitStatus
from server.errors import FieldError, ValidationFailed
from server.services.local_time import LocalTime
from server.services.payer_proof import ClaimLine, VialUse, claim_lines
from server.services.review_queue import QUEUE_STATES, QueueFilter, filtered, narrowed
from server.services.summary import VisitSummary, build_summary

MAX_DAYS = 31
MAX_VISITS = 100  # each is folded whole (build_summary, ~10-50 ms): a file in seconds, not minutes
PLACE_OF_SERVICE_HOME = "12"  # PAYER.md s.2.2: the drug and Q2052 carry the same place of service, 12 = home
COLUMNS = (
    "visit_id", "date_of_service", "time_zone", "place_of_service", "mrn", "patient", "birth_date", "indication",
    "prescriber", "time_in_utc", "time_out_utc", "visit_minutes", "infusion_start_utc", "infusion_stop_utc", "nurse", "nurse_signed", "identity_confirmed_by", "location_captured", "vital_signs_taken",
    "worst_reaction_grade", "alerts", "signed_off_by", "signed_off_utc",
    "row", "product_id", "product", "ndc", "ndc_11", "lot", "expiry", "opened_utc", "held_ml", "given_ml", "discarded_ml",
    "given_g", "discarded_g", "discard_reason", "claim_g", "modifier", "amount_basis",
)


@dataclass(frozen=True)
class VisitProof:
    summary: VisitSummary
    lines: list[ClaimLine]


def check_span(day_from: date | None, day_to: date | None) -> tuple[date, date]:
    """Both days given, in order, at most MAX_DAYS apart; otherwise the field and the reason."""
    if day_from is None or day_to is None:
        field = "from" if day_from is None else "to"
        raise ValidationFailed(errors=[FieldError(field, f"choose the {'first' if field == 'from' else 'last'} day")])
    if day_to < day_from:
        raise ValidationFailed(errors=[FieldError("to", "the last day (to) must be on or after the first (from)")])
    if (day_to - day_from).days + 1 > MAX_DAYS:
        raise ValidationFailed(errors=[FieldError("to", f"at most {MAX_DAYS} days per export, from the first day to "
                                                       "the last: choose a nearer last day (to)")])
    return day_from, day_to


async def not_signed_off(user: User, day_from: date, day_to: date, clock: LocalTime) -> int:
    """The span's visits that ended but wait for review: not in the export, and said beside it (a count: the
    biller reads no visit before its sign-off, `access.counted_visits`)."""
    waiting = (await access.counted_visits(user)).filter(status__in=list(QUEUE_STATES))
    return await narrowed(waiting, QueueFilter(day_from=day_from, day_to=day_to), clock).count()


async def signed_off(user: User, day_from: date, day_to: date, clock: LocalTime) -> tuple[list[VisitProof], bool]:
    """The span's signed-off visits by time in (at most MAX_VISITS), and whether more were left out."""
    query = await filtered(user, QueueFilter(day_from=day_from, day_to=day_to), clock)
    found = await query.filter(status=VisitStatus.REVIEWED).order_by("time_in").limit(MAX_VISITS + 1) \
        .prefetch_related("patient", "nurse", "order")
    proofs = []
    for visit in found[:MAX_VISITS]:
        summary = await build_summary(visit, clock=clock)
        proofs.append(VisitProof(summary, claim_lines(summary)))
    await access.audit_list(user, "payer_proof", len(proofs))
    return proofs, len(found) > MAX_VISITS


def _utc(value: str | datetime | None) -> str:
    if value is None:
        return ""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _visit_columns(proof: VisitProof) -> dict[str, Any]:
    s, state = proof.summary, proof.summary.state
    minutes = ""
    if state["time_in"] and state["time_out"]:
        span = datetime.fromisoformat(state["time_out"]) - datetime.fromisoformat(state["time_in"])
        minutes = round(span.total_seconds() / 60)
    signed = [row for row in state["signatures"] if row["role"] == "nurse"]
    return {
        "visit_id": s.visit.id, "date_of_service": s.clock.day(state["time_in"]), "time_zone": s.clock.zone_name,
        "place_of_service": PLACE_OF_SERVICE_HOME, "mrn": s.patient.mrn, "patient": s.patient.display_name,
        "birth_date": s.patient.birth_date.isoformat(), "indication": s.order.indication,
        "prescriber": s.order.prescriber, "time_in_utc": _utc(state["time_in"]),
        "time_out_utc": _utc(state["time_out"]), "visit_minutes": minutes,
        "infusion_start_utc": _utc(state["infusion"]["first_start"]),
        "infusion_stop_utc": _utc(state["infusion"]["stopped_at"]),
        "nurse": s.nurse.display_name if s.nurse else "", "nurse_signed": signed[-1]["name"] if signed else "",
        "identity_confirmed_by": " and ".join(s.identity or []).replace("_", " ") or "NOT CONFIRMED",
        "location_captured": {True: "yes", False: "no", None: ""}[state["location_verified"]],
        "vital_signs_taken": len(state["vitals"]), "worst_reaction_grade": state["highest_reaction_grade"] or 0,
        "alerts": len(state["alerts"]), "signed_off_by": s.author(s.signoff["author_id"]) if s.signoff else "",
        "signed_off_utc": _utc(s.signoff["at"]) if s.signoff else "",
    }


def _blank_none(value: float | None) -> float | str:
    return "" if value is None else value


def _cell(value: Any) -> Any:
    """A whole number without ".0"; text a spreadsheet would run as a formula (=, +, -, @, a tab or a return
    first: a name typed so by an insider) with a leading apostrophe, shown as text (OWASP CSV injection)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 600, not 600.0
    return f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def ndc_11(ndc: str | None) -> str:
    """A hyphenated NDC (4-4-2, 5-3-2 or 5-4-1, as on the package) in the 11-digit 5-4-2 form claims carry: the
    short segment gets a leading zero. Anything else is left blank, never guessed."""
    parts = (ndc or "").split("-")
    if len(parts) != 3 or not all(part.isdigit() for part in parts) or sum(map(len, parts)) != 10:
        return ""
    return "".join(part.zfill(width) for part, width in zip(parts, (5, 4, 2)))


def _vial_columns(use: VialUse) -> dict[str, Any]:
    return {
        "row": "vial", "product_id": use.product_id, "product": use.product_name, "ndc": use.ndc or "",
        "ndc_11": ndc_11(use.ndc),
        "lot": use.lot, "expiry": use.expiry, "opened_utc": _utc(use.at), "held_ml": use.held_ml,
        "given_ml": use.given_ml, "discarded_ml": use.discarded_ml, "given_g": _blank_none(use.grams(use.given_ml)),
        "discarded_g": _blank_none(use.grams(use.discarded_ml)), "discard_reason": use.why_discarded or "",
    }


def _claim_columns(line: ClaimLine, vials: list[VialUse]) -> dict[str, Any]:
    ndcs = sorted({use.ndc for use in vials if use.product_id == line.product_id and use.ndc})
    return {"row": "claim", "product_id": line.product_id, "product": line.product_name, "ndc": " ".join(ndcs),
            "ndc_11": " ".join(filter(None, map(ndc_11, ndcs))),
            "claim_g": line.grams, "modifier": line.modifier, "amount_basis": line.basis}


def as_csv(proofs: list[VisitProof]) -> str:
    """Per visit, a row per vial or bag opened ("vial") and a row per line of its drug's claim ("claim": the
    grams given, and the grams discarded with JW, or JZ when none were), each with the visit's proof; a visit
    that opened nothing has one row without them. A claim's amount is on its own row, so summing a column
    never counts it once per vial."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, restval="", lineterminator="\r\n")
    writer.writeheader()
    for proof in proofs:
        visit = _visit_columns(proof)
        vials = proof.summary.vials
        parts = [_vial_columns(use) for use in vials] + [_claim_columns(line, vials) for line in proof.lines]
        for part in parts or [{}]:
            writer.writerow({name: _cell(value) for name, value in {**visit, **part}.items()})
    return out.getvalue()
