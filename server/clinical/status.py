"""Where the visit stands in its life (scheduled → … → reviewed, or reopened), and entries that came late.

Two kinds of lateness, kept apart as DESIGN.md keeps the clocks apart:
  late entry         recorded on the device much later than it happened (threshold in rules data)
  late after review  reached the server (server_seq) after the pharmacist's latest sign-off; it reopens
                     the visit. Not yet synced (server_seq null) counts as after. The pharmacist's own
                     review entries never reopen.
"""

from __future__ import annotations

from typing import Any

from server.clinical.clock import format_instant, minutes_between
from server.clinical.ordering import Entry
from server.clinical.rounding import round_half_up

_PENDING = float("inf")


def _transport_position(entry: Entry) -> float:
    return _PENDING if entry.server_seq is None else entry.server_seq


def late_after_review(ordered: list[Entry]) -> list[str]:
    """Ids of non-review entries that reached the server after the latest review.signed."""
    reviews = [_transport_position(e) for e in ordered if e.kind == "review.signed"]
    if not reviews:
        return []
    signed_at = max(reviews)
    return [e.id for e in ordered if not e.kind.startswith("review.") and _transport_position(e) > signed_at]


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
