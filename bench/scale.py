"""How big each benchmark is. FULL is what DESIGN section 7 names; QUICK keeps the same shape
at a tenth of the size so the smoke test proves the machinery (and exactly-once) in seconds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    push_visits: int  # (a)/(b): one nurse, one tablet, this many visits...
    events_per_visit: int  # ...of this many events each
    pull_page: int
    devices: int  # (c): this many tablets pushing at once...
    events_per_device: int  # ...this many events each
    devices_per_nurse: int
    load_timeout_s: float
    empty_pulls: int
    repeats: int  # baselines and pulls are repeated and the best kept (timeit's rule: noise only adds)

    @property
    def push_events(self) -> int:
        return self.push_visits * self.events_per_visit


FULL = Scale(name="full", push_visits=100, events_per_visit=100, pull_page=5000, devices=200,
             events_per_device=50, devices_per_nurse=10, load_timeout_s=120.0, empty_pulls=50, repeats=5)
QUICK = Scale(name="quick", push_visits=10, events_per_visit=100, pull_page=500, devices=20,
              events_per_device=10, devices_per_nurse=5, load_timeout_s=60.0, empty_pulls=10, repeats=1)
