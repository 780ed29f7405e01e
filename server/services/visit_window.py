"""The span of time a visit's clinical entries can plausibly fall in, and why.

An IVIG visit lasts 2-6 hours plus observation; a nurse may document hours late and a visit may run
past midnight. A clinical time far outside that (a tablet's clock set to 2019 or to 2300, a forged
entry) is held in quarantine at the push (`server.sync_policy`), and anything the log already holds
from an older server is kept out of the charts' time axis (`server.services.charts`), so no stored
time can stretch a page, a PDF or a FHIR document.
"""

from __future__ import annotations

from datetime import datetime, timedelta

FUTURE_HORIZON = timedelta(hours=24)
"""An entry dated (occurred or recorded) more than this after the server received it is held: wider
than any clock drift or time-zone mistake a tablet makes in practice (the sync engine already flags
five minutes), narrower than a wrong year or a forged date."""

BEFORE_START = timedelta(hours=12)
"""How long before the visit started (its `visit.started` time) an entry may be dated: something the
patient reports from the morning (a premed taken at home), never yesterday's or 2019's vitals."""

AFTER_START = timedelta(hours=36)
"""How long after the visit started an entry may be dated: the longest infusion with observation is
under 8 hours; a visit that runs past midnight and a nurse who documents hours later stay well inside."""

AROUND_SCHEDULE = timedelta(days=8)
"""Before the visit has started, its scheduled time is the anchor: the tablet lists visits scheduled
within 7 days of today (`server.services.reference.WINDOW`), so a visit may start up to that far from
its schedule; a day more for time zones."""

START_MAX_AGE = timedelta(days=30)
"""A `visit.started` dated more than this before the server received it is held: a tablet kept offline
for a month is not a plausible source of a new visit, a wrong clock is."""


def window_of(*, started_at: datetime | None, scheduled_at: datetime | None) -> tuple[datetime, datetime] | None:
    """[earliest, latest] for the visit's clinical times; None when nothing anchors the visit yet."""
    if started_at is not None:
        return started_at - BEFORE_START, started_at + AFTER_START
    if scheduled_at is not None:
        return scheduled_at - AROUND_SCHEDULE, scheduled_at + AROUND_SCHEDULE
    return None
