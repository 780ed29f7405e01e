"""The tablet refuses an entry's time outside the span the server accepts around its visit's start
(pwa/lazy/entry_time.js): the two must hold the same numbers, or an entry the tablet took is kept aside at
the next sync, far from the patient."""

from __future__ import annotations

import re
from pathlib import Path

from server.services.visit_window import AFTER_START, BEFORE_START, FUTURE_HORIZON

ENTRY_TIME = Path(__file__).resolve().parents[2] / "pwa" / "lazy" / "entry_time.js"


def hours(name: str) -> int:
    found = re.search(rf"export const {name} = (\d+);", ENTRY_TIME.read_text("utf-8"))
    assert found, name
    return int(found.group(1))


def test_the_tablet_bounds_an_entry_as_the_server_bounds_its_visit():
    assert hours("BEFORE_START_H") * 3600 == BEFORE_START.total_seconds()
    assert hours("AFTER_START_H") * 3600 == AFTER_START.total_seconds()


def test_the_tablet_refuses_ahead_of_its_clock_well_inside_the_servers_horizon():
    assert hours("AHEAD_MIN") * 60 < FUTURE_HORIZON.total_seconds() / 100
