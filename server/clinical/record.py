"""The documentation side of the visit as JSON-ready tables: vital signs, reactions, medications,
lots, the line, education, notes, signatures, reviews, and every entry with its correction history."""

from __future__ import annotations

from typing import Any

from server.clinical.clock import format_instant, minutes_between
from server.clinical.corrections import Corrections
from server.clinical.ordering import Entry
from server.clinical.picture import Picture
from server.clinical.rounding import round_half_up


def entry_out(entry: Entry) -> dict[str, Any]:
    """An entry as a row: its id, clinical time, author and (effective) payload fields."""
    return {"event_id": entry.id, "at": format_instant(entry.occurred_at), "author_id": entry.author_id,
            **entry.payload}


def vitals_out(picture: Picture) -> list[dict[str, Any]]:
    return [{**entry_out(point.entry), "phase": point.phase, "rate_ml_h": point.rate_ml_h,
             "step_index": point.step_index} for point in picture.vitals]


def baseline_out(picture: Picture) -> dict[str, Any]:
    return {name: {"value": found.value, "event_id": found.event_id}
            for name, found in picture.baseline.items()}


def reactions_out(picture: Picture) -> list[dict[str, Any]]:
    rows = []
    for reaction in picture.of_kind("reaction.observed"):
        tier = picture.context.rulebook.suggested_actions(reaction.payload["grade"])
        suggested = None if tier is None else {"tier": tier.tier, "when": tier.when, "actions": list(tier.actions)}
        rows.append({**entry_out(reaction), "rate_ml_h": picture.infusion.rate_at[reaction.id],
                     "suggested": suggested})
    return rows


def medications_out(picture: Picture) -> list[dict[str, Any]]:
    """Every medication given; a premedication also shows its lead time before the first start."""
    start = picture.infusion.first_start
    return [{**entry_out(given), "lead_min": round_half_up(minutes_between(given.occurred_at, start), 0)
             if given.payload["purpose"] == "premed" and start is not None else None}
            for given in picture.of_kind("medication.given")]


def lots_out(picture: Picture) -> list[dict[str, Any]]:
    """Each vial or bag opened, for recall tracing; `new_lot` marks a lot not opened before."""
    seen: set[tuple[str, str]] = set()
    rows = []
    for opened in picture.of_kind("product.opened"):
        lot = (opened.payload["product_id"], opened.payload["lot"])
        rows.append({**entry_out(opened), "new_lot": lot not in seen})
        seen.add(lot)
    return rows


def line_out(picture: Picture) -> dict[str, Any]:
    """The access device: placements, site checks, and the last outcome (removed or left in place)."""
    outcomes = [e for e in picture.entries if e.kind in ("line.removed", "line.left_in_place")]
    outcome = {**entry_out(outcomes[-1]), "outcome": outcomes[-1].kind.removeprefix("line.")} if outcomes else None
    return {"placed": [entry_out(e) for e in picture.of_kind("line.placed")],
            "assessments": [entry_out(e) for e in picture.of_kind("line.assessed")], "outcome": outcome}


def rows_of(picture: Picture, *kinds: str) -> list[dict[str, Any]]:
    return [{**entry_out(e), "kind": e.kind} for e in picture.entries if e.kind in kinds]


def entries_out(corrections: Corrections) -> list[dict[str, Any]]:
    """Every entry of the clinical picture with its history: the original first, then each amendment."""
    return [{"event_id": e.id, "kind": e.kind, "occurred_at": format_instant(e.occurred_at),
             "recorded_at": format_instant(e.recorded_at), "author_id": e.author_id, "payload": e.payload,
             "amended": any(v.get("applied") for v in corrections.history.get(e.id, [])),
             "history": corrections.history.get(e.id, [])}
            for e in corrections.effective]
