"""Fold a visit's events into its current state: the one projection the server stores and the tablet
shows, rebuilt from the events at any time.

The fold is order-independent: events are sorted deterministically (`ordering.py`) before anything is
read, so the same set of events gives the same state whatever order they arrived in. Nothing is
dropped: invalid events, voided entries, amendments and misfits are all listed in the state.

Two kinds of lateness, kept apart as DESIGN.md keeps the clocks apart:
  late entry         recorded on the device much later than it happened (threshold in rules data)
  late after review  reached the server (server_seq) after the pharmacist's latest sign-off; it reopens
                     the visit. Not yet synced (server_seq null) counts as after. The pharmacist's own
                     review entries never reopen.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from server.clinical import infusion_summary as summary
from server.clinical import record
from server.clinical.clock import format_instant, format_optional, in_utc, minutes_between
from server.clinical.corrections import apply_corrections
from server.clinical.rulebook import EntryAuthority
from server.clinical.expressions import FACTS_VERSION
from server.clinical.ordering import Entry, sort_key
from server.clinical.other_orders import run_out
from server.clinical.picture import Picture, build_picture
from server.clinical.problems import EventInvalid, Problem
from server.clinical.rounding import round_half_up
from server.clinical.rules import Alert, evaluate_alerts
from server.clinical.schedule import next_vitals_due
from server.clinical.series import series_out
from server.clinical.visit_context import VisitContext


@dataclass(frozen=True)
class VisitState:
    """The visit's projection; `to_dict()` gives JSON-ready data (times as ISO-8601 UTC "Z")."""

    visit_id: str | None
    status: str
    time_in: str | None
    time_out: str | None
    location_verified: bool | None
    protocol: dict[str, Any]
    steps: list[dict[str, Any]]
    infusion: dict[str, Any]
    segments: list[dict[str, Any]]
    pauses: list[dict[str, Any]]
    other_orders: list[dict[str, Any]]
    vitals: list[dict[str, Any]]
    baseline: dict[str, Any]
    next_vitals_due_at: str | None
    reactions: list[dict[str, Any]]
    highest_reaction_grade: int | None
    medications: list[dict[str, Any]]
    lots: list[dict[str, Any]]
    line: dict[str, Any]
    education: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    signatures: list[dict[str, Any]]
    reviews: list[dict[str, Any]]
    alerts: list[Alert]
    entries: list[dict[str, Any]]
    voided: list[dict[str, Any]]
    late_entries: list[dict[str, Any]]
    late_after_review: list[str]
    issues: list[dict[str, Any]]
    invalid: list[dict[str, Any]]
    series: dict[str, Any] | None
    facts_version: int

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["alerts"] = [alert.to_dict() for alert in self.alerts]
        return data


def _transport_position(entry: Entry) -> float:
    return float("inf") if entry.server_seq is None else entry.server_seq  # not yet synced: after all


def late_after_review(ordered: list[Entry]) -> list[str]:
    """Ids of the entries but sign-offs that reached the server after the latest review.signed. A pharmacist's
    intervention is one: it changes a summary already released (a walk saw "Next infusion: 150 mL/h" appear
    in it silently), so the visit reopens and her next sign-off releases the summary again."""
    reviews = [_transport_position(e) for e in ordered if e.kind == "review.signed"]
    if not reviews:
        return []
    signed_at = max(reviews)
    return [e.id for e in ordered if e.kind != "review.signed" and _transport_position(e) > signed_at]


def late_entries(ordered: list[Entry], threshold_min: float) -> list[dict[str, Any]]:
    """Entries recorded more than `threshold_min` after they happened."""
    delays = ((entry, minutes_between(entry.occurred_at, entry.recorded_at)) for entry in ordered)
    return [{"event_id": entry.id, "kind": entry.kind, "occurred_at": format_instant(entry.occurred_at),
             "recorded_at": format_instant(entry.recorded_at), "late_min": round_half_up(delay, 1)}
            for entry, delay in delays if delay > threshold_min]


def visit_status(effective: list[Entry], reopened: bool) -> str:
    """scheduled | in_progress | completed | signed | reviewed | reopened."""
    kinds = {entry.kind for entry in effective}
    if "review.signed" in kinds:
        return "reopened" if reopened else "reviewed"
    if any(e.kind == "signature" and e.payload["role"] == "nurse" for e in effective):
        return "signed"
    if "visit.ended" in kinds:
        return "completed"
    return "in_progress" if effective else "scheduled"


def _read(events: list[dict[str, Any]]) -> tuple[list[Entry], list[dict[str, Any]]]:
    """Entries in fold order, and the events whose payload does not validate (kept, listed)."""
    ids = [event["id"] for event in events]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate event ids: the sync log stores each event once")
    if len({event.get("visit_id") for event in events}) > 1:
        raise ValueError("events of more than one visit")
    entries, invalid = [], []
    for event in sorted(events, key=sort_key):
        try:
            entries.append(Entry.from_event(event))
        except EventInvalid as error:
            invalid.append({"event_id": event["id"], "kind": event["kind"], "code": error.code,
                            "problems": [problem.to_dict() for problem in error.problems]})
    return entries, invalid


def visit_closed(events: list[dict[str, Any]], authority: EntryAuthority) -> list[Entry]:
    """The entries that close the visit's record to later order edits: its first `visit.ended` and its first
    `review.signed` that no valid void withdrew (none while it runs). Once a visit has ended, its orders
    are read as they stood then; a sign-off freezes them too, whatever end the nurse records after it
    (server.services.order_as_run). Only those kinds and the voids are read."""
    kinds = ("visit.ended", "review.signed", "entry.voided")
    if not any(event["kind"] in kinds[:2] for event in events):
        return []
    ordered, _ = _read([event for event in events if event["kind"] in kinds])
    standing = apply_corrections(ordered, authority).effective
    return [next(entry for entry in standing if entry.kind == kind)
            for kind in kinds[:2] if any(entry.kind == kind for entry in standing)]


def _visit_times(picture: Picture) -> tuple[str | None, str | None, bool | None]:
    started, ended = picture.of_kind("visit.started"), picture.of_kind("visit.ended")
    time_in = format_instant(started[0].occurred_at) if started else None
    time_out = format_instant(ended[-1].occurred_at) if ended else None
    verified = None if not started else started[0].payload["location"] is not None
    return time_in, time_out, verified


def _rates_note(picture: Picture) -> str | None:
    """Why the visit runs on the order's own steps (a product without label rates); None for a fixed dose,
    whose rate is the order's volume over its time, which no label would give (nothing to warn of)."""
    unrated = picture.context.unrated
    return None if unrated is None or picture.context.protocol.kind == "fixed_dose" else unrated.rates_note


def _protocol_out(picture: Picture) -> dict[str, Any]:
    protocol, limit = picture.context.protocol, picture.limit
    return {"id": protocol.id, "kind": protocol.kind, "basis": protocol.basis, "therapy": protocol.therapy,
            "product_id": protocol.product.id,
            "product_name": protocol.product.name, "rate_unit": protocol.rate_unit,
            "limit_ml_h": limit.ml_h, "limit_source": limit.source, "limit_exclusive": limit.exclusive,
            "verified_on": None if protocol.verified_on is None else protocol.verified_on.isoformat(),
            "ladder_note": protocol.ladder_note, "infusion": protocol.infusion,
            "rates_note": _rates_note(picture)}


def _issues_out(issues: list[tuple[str, Problem]], ordered: list[Entry]) -> list[dict[str, Any]]:
    position = {entry.id: index for index, entry in enumerate(ordered)}
    ranked = sorted(issues, key=lambda item: (position[item[0]], item[1].code, item[1].field))
    return [{"event_id": event_id, **problem.to_dict()} for event_id, problem in ranked]


def fold_timeline(
    events: list[dict[str, Any]], *, context: VisitContext, now: datetime | None = None
) -> VisitState:
    """The visit's state from its sync-log events (dicts), for this order and patient, at `now`."""
    ordered, invalid = _read(events)
    corrections = apply_corrections(ordered, context.rulebook.entry_authority)
    now = None if now is None else in_utc(now, "now must be timezone-aware")
    picture = build_picture(corrections.effective, context, now)
    reopening = late_after_review(ordered)
    time_in, time_out, verified = _visit_times(picture)
    reactions = record.reactions_out(picture)
    return VisitState(
        visit_id=events[0].get("visit_id") if events else None,
        status=visit_status(corrections.effective, reopened=bool(reopening)),
        time_in=time_in, time_out=time_out, location_verified=verified,
        protocol=_protocol_out(picture), steps=[step.to_dict() for step in picture.schedule],
        infusion=summary.infusion_out(picture), segments=summary.segments_out(picture),
        pauses=summary.pauses_out(picture),
        other_orders=[run_out(run, own) for run, own in zip(picture.other_runs, picture.order_pictures)], vitals=record.vitals_out(picture),
        baseline=record.baseline_out(picture),
        next_vitals_due_at=format_optional(next_vitals_due(picture)),
        reactions=reactions, highest_reaction_grade=max((r["grade"] for r in reactions), default=None),
        medications=record.medications_out(picture), lots=record.lots_out(picture),
        line=record.line_out(picture),
        education=record.rows_of(picture, "education"), notes=record.rows_of(picture, "note"),
        signatures=record.rows_of(picture, "signature"),
        reviews=record.rows_of(picture, "review.signed", "review.intervention"),
        alerts=evaluate_alerts(picture), entries=record.entries_out(corrections), voided=corrections.voided,
        late_entries=late_entries(ordered, context.rulebook.late_entry_min), late_after_review=reopening,
        issues=_issues_out(corrections.issues + picture.infusion.issues + list(picture.order_issues)
                           + [issue for run in picture.other_runs for issue in run.infusion.issues], ordered),
        invalid=invalid,
        series=series_out(picture), facts_version=FACTS_VERSION,
    )
