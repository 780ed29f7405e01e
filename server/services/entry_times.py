"""What an entry's times give away about when it was really written (issue 16.8), for the server only.

The tablet's fold (`server.clinical`, `pwa/rules.js`) lists entries recorded long after they happened
(`late_entries`). What the tablet cannot see is checked here, from what the server holds:
  backdated        the sync engine found the entry claims to be recorded before an entry the same tablet
                   numbered (device_seq) before it: its recorded_at was set back (`sync.classify`)
  before_visit     dated before the visit began (its `visit.started`)
  future_time      dated ahead of the server's clock when it arrived (`sync.classify`)
Each marks the entry's timeline row; the first two count with late entries in the review queue.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.services.local_time import parse

BEFORE_VISIT_TOLERANCE = timedelta(minutes=5)
"""A nurse's tablet and the moment she taps "arrived" can disagree by a minute or two; an entry dated
more than this before the visit began was not taken during it."""

LABELS = {"backdated": "recorded later than it says", "before_visit": "dated before the visit began",
          "future_time": "dated ahead of the server's clock"}
VISIT_FLAGS = {"backdated": "backdated_entries", "before_visit": "entries_before_visit"}
STORED = ("backdated", "future_time")  # set by the sync engine on the event row when it was accepted


def entry_flags(events: list[dict[str, Any]], time_in: str | None) -> dict[str, list[str]]:
    """By event id, the time flags of every entry that has any."""
    began = parse(time_in)
    earliest = None if began is None else began - BEFORE_VISIT_TOLERANCE
    flagged: dict[str, list[str]] = {}
    for event in events:
        flags = [flag for flag in STORED if flag in (event.get("flags") or ())]
        if earliest is not None and not event["kind"].startswith("review.") and parse(event["occurred_at"]) < earliest:
            flags.append("before_visit")
        if flags:
            flagged[str(event["id"])] = flags
    return flagged


def visit_flags(flagged: dict[str, list[str]]) -> list[str]:
    """The Visit row's flags these entries raise (see `server.services.review_queue`)."""
    present = {flag for flags in flagged.values() for flag in flags}
    return [VISIT_FLAGS[flag] for flag in VISIT_FLAGS if flag in present]
