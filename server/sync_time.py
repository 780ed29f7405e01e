"""Clinical times a push may not store: dated far ahead of the server, or far outside their visit.

Issue 16.1: one entry dated 300 years ahead was accepted (only flagged) and then hung every page
of its visit. The window (`server.services.visit_window`) is checked here, at the push, and an entry
outside it is held in quarantine with a reason the nurse can act on; nothing is dropped, and the
pharmacy sees it on the quarantine page. Review entries and corrections may come days after the
visit (a sign-off, an amendment), so only the start of the window binds them.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping
from uuid import UUID

from server.access import WritableVisit
from server.services.visit_window import FUTURE_HORIZON, START_MAX_AGE, window_of
from sync.policy import Candidate, Refusal

LATER_KINDS = frozenset({"review.signed", "review.intervention", "note", "entry.amended", "entry.voided"})
CHECK_CLOCK = "Check the entry's date and time, and the tablet's clock, then enter it again."

IN_FUTURE = Refusal("time_in_future", "This entry is dated more than a day ahead of the server's clock, so it was "
                                      f"kept aside. {CHECK_CLOCK}")
START_TOO_OLD = Refusal("time_too_old", "This visit start is dated more than 30 days ago, so it was kept aside. "
                                        f"{CHECK_CLOCK}")
BEFORE_VISIT = Refusal("time_before_visit", "This entry is dated long before this visit started (or was "
                                            f"scheduled), so it was kept aside. {CHECK_CLOCK}")
AFTER_VISIT = Refusal("time_after_visit", "This entry is dated long after this visit started (or was "
                                          f"scheduled), so it was kept aside. {CHECK_CLOCK}")


def check_clock(candidate: Candidate, now: datetime) -> Refusal | None:
    """What the event alone, against the server's clock, shows (no database)."""
    if candidate.occurred_at > now + FUTURE_HORIZON or candidate.recorded_at > now + FUTURE_HORIZON:
        return IN_FUTURE
    return None


def unscheduled_start(candidate: Candidate) -> Refusal | None:
    """A `visit.started` that would create a visit the pharmacy never scheduled: its own time becomes
    the visit's schedule, so nothing else bounds it (a scheduled visit is bound by its schedule)."""
    if candidate.occurred_at < datetime.now(timezone.utc) - START_MAX_AGE:
        return START_TOO_OLD
    return None


def outside_visits(candidates: list[Candidate], visits: Mapping[UUID, WritableVisit]) -> dict[UUID, Refusal]:
    """Refusals for events dated outside their visit's window. The visit's start is its
    `visit.started` in this push, else the one the log holds (the row's `time_in`), else its schedule.
    `visits`: each candidate's visit as its author's write scope read it (`access.visit_patients`)."""
    anchors = {visit_id: {"scheduled_at": visit.scheduled_at, "time_in": visit.time_in}
               for visit_id, visit in visits.items()}
    for candidate in candidates:
        if candidate.kind == "visit.started" and candidate.visit_id in anchors:
            anchor = anchors[candidate.visit_id]
            anchor["time_in"] = min(anchor["time_in"] or candidate.occurred_at, candidate.occurred_at)
    refusals = {}
    for candidate in candidates:
        anchor = anchors.get(candidate.visit_id)
        refusal = _outside(candidate, anchor) if anchor else None
        if refusal is not None:
            refusals[candidate.id] = refusal
    return refusals


def _outside(candidate: Candidate, anchor: dict[str, Any]) -> Refusal | None:
    started = None if candidate.kind == "visit.started" else anchor["time_in"]
    window = window_of(started_at=started, scheduled_at=anchor["scheduled_at"])
    if window is None:
        return None
    if candidate.occurred_at < window[0]:
        return BEFORE_VISIT
    if candidate.occurred_at > window[1] and candidate.kind not in LATER_KINDS:
        return AFTER_VISIT
    return None
