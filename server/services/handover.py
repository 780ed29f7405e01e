"""What a finished infusion hands over to the patient's next one, kept on its Visit row by the projection.

The next visit's tablet must know, offline, what happened last time (CLINICAL 1.1, 4, 5): the reactions
(grade, symptoms, the rate they came at, the outcome), the pharmacist's interventions and sign-off note, and
the rate the pharmacist set for the next infusion, which becomes that visit's target
(server/clinical/series.py). The row keeps it so a visit's context never folds another visit (a chain of
folds back through the whole series). Bounded: a few reactions and notes, each text cut, so no stored value
makes the next visit's document large.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.clinical.clock import parse_instant
from server.clinical.timeline import VisitState

REACTIONS_KEPT = 3  # the worst first
NOTES_KEPT = 5  # the latest
SYMPTOMS_KEPT = 6
TEXT_KEPT = 280


def _cut(text: str | None) -> str | None:
    return text if text is None or len(text) <= TEXT_KEPT else text[:TEXT_KEPT - 1].rstrip() + "…"


def _reaction(row: dict[str, Any]) -> dict[str, Any]:
    return {"at": row["at"], "grade": row["grade"], "symptoms": [_cut(s) for s in row["symptoms"][:SYMPTOMS_KEPT]],
            "rate_ml_h": row["rate_ml_h"], "outcome": row["outcome"]}


def _moment(row: dict[str, Any]) -> datetime:
    """A row's time as a time: as text, "10:00:05.1Z" sorts before "10:00:05Z" (a sign-off listed before the
    intervention it followed, now and then)."""
    return parse_instant(row["at"])


def _worst_first(row: dict[str, Any]) -> tuple[int, datetime]:
    return -row["grade"], _moment(row)


def _notes(state: VisitState) -> list[dict[str, Any]]:
    """The pharmacist's interventions and sign-off notes as they stand (amended, voided ones gone)."""
    notes = []
    for entry in state.entries:
        payload = entry["payload"]
        if entry["kind"] == "review.intervention":
            notes.append({"at": entry["occurred_at"], "kind": payload["kind"], "text": _cut(payload["text"]),
                          "next_rate_ml_h": payload.get("next_rate_ml_h")})
        elif entry["kind"] == "review.signed" and payload.get("note"):
            notes.append({"at": entry["occurred_at"], "kind": "sign_off", "text": _cut(payload["note"]),
                          "next_rate_ml_h": None})
    return sorted(notes, key=_moment)


def handover_of(state: VisitState) -> dict[str, Any] | None:
    """The visit's handover, or None when it holds no reaction and no pharmacist's word."""
    notes = _notes(state)
    reactions = sorted(state.reactions, key=_worst_first)[:REACTIONS_KEPT]
    if not notes and not reactions:
        return None
    rates = [note["next_rate_ml_h"] for note in notes if note["kind"] == "next_rate"]
    return {"next_rate_ml_h": rates[-1] if rates else None, "reactions": [_reaction(row) for row in reactions],
            "notes": notes[-NOTES_KEPT:]}


def as_of(handover: dict[str, Any] | None, moment: datetime | None) -> dict[str, Any] | None:
    """The handover as the next visit began with it (`moment`: when its start reached the server; None: not
    begun): a pharmacist's note written after that is left out, so it never changes what that infusion was
    advised, nor its review and signed summary (the rate set for it is the latest left, if any is)."""
    if handover is None or moment is None:
        return handover
    notes = [note for note in handover["notes"] if parse_instant(note["at"]) <= moment]
    if len(notes) == len(handover["notes"]):
        return handover
    if not notes and not handover["reactions"]:
        return None
    rates = [note["next_rate_ml_h"] for note in notes if note["kind"] == "next_rate"]
    return {**handover, "next_rate_ml_h": rates[-1] if rates else None, "notes": notes}


def merged(handovers: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Several visits' handovers, oldest first, as one (the visits since the last infusion that gave none):
    the worst reactions of all, the latest notes, and the latest rate the pharmacist set for the next one."""
    kept = [handover for handover in handovers if handover is not None]
    if not kept:
        return None
    rates = [handover["next_rate_ml_h"] for handover in kept if handover["next_rate_ml_h"] is not None]
    reactions = sorted((r for handover in kept for r in handover["reactions"]), key=_worst_first)
    notes = sorted((note for handover in kept for note in handover["notes"]), key=_moment)
    return {"next_rate_ml_h": rates[-1] if rates else None, "reactions": reactions[:REACTIONS_KEPT],
            "notes": notes[-NOTES_KEPT:]}
