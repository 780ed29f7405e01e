"""How late a visit not started by its time is, in the words the pharmacist's home page shows."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from server.db.models import Visit, VisitStatus
from server.services.todays_visits import not_started_for

DUE = datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("after", "said"), [
    (timedelta(minutes=-5), ""), (timedelta(0), "under a minute"), (timedelta(seconds=59), "under a minute"),
    (timedelta(minutes=1), "1 min"), (timedelta(minutes=59, seconds=59), "59 min"), (timedelta(hours=1), "1 h 0 min"),
    (timedelta(hours=14, minutes=36), "14 h 36 min"),
])
def test_a_scheduled_visit_says_how_long_it_is_past_its_time(after, said):
    assert not_started_for(Visit(scheduled_at=DUE, status=VisitStatus.SCHEDULED), DUE + after) == said


@pytest.mark.parametrize("status", [s for s in VisitStatus if s != VisitStatus.SCHEDULED])
def test_a_visit_begun_ended_or_cancelled_is_not_late(status):
    assert not_started_for(Visit(scheduled_at=DUE, status=status), DUE + timedelta(hours=3)) == ""
