"""Fold cases with both engines and report where they disagree, the first disagreement made small.

`python -m tests.differential [count] [seed]` runs it from the command line (make differential).
"""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any, Iterable

from tests.differential.cases import case
from tests.differential.engines import differences, fold_js, fold_python, same


@dataclass(frozen=True)
class Disagreement:
    case: dict[str, Any]
    where: list[str]

    def report(self) -> str:
        shown = "\n  ".join(self.where[:12])
        return (f"{self.case['name']}: the engines disagree at\n  {shown}\n"
                f"case (a shared vector's input): {json.dumps(self.case)}")


def disagreements(cases: Iterable[dict[str, Any]]) -> list[Disagreement]:
    """Every case whose Python and JavaScript answers differ (Node folds while Python does)."""
    found = []
    for case, theirs in fold_js(cases):
        ours = fold_python(case)
        both_refused = "error" in ours and "error" in theirs
        if not both_refused and not same(ours, theirs):
            found.append(Disagreement(case, list(differences(ours, theirs)) or ["(differ)"]))
    return found


def disagreements_of(count: int, seed_value: int, shards: int = 2) -> list[Disagreement]:
    """`disagreements` of the first `count` cases of `seed_value`, split over `shards` processes (each with
    its own Node): the Python side is the slower, and a two-core machine then folds both halves at once."""
    jobs = [(count, seed_value, shard, shards) for shard in range(shards)]
    with ProcessPoolExecutor(shards, mp_context=get_context("spawn")) as pool:
        found = [d for part in pool.map(_shard, jobs) for d in part]
    return sorted(found, key=lambda d: int(d.case["name"].rsplit("-", 1)[1]))


def _shard(job: tuple[int, int, int, int]) -> list[Disagreement]:
    count, seed_value, shard, shards = job
    return disagreements(case(seed_value, index) for index in range(shard, count, shards))


def _smaller(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The case without one event, for each event (and with now dropped, first)."""
    events = case["events"]
    options = [] if case["now"] is None else [{**case, "now": None}]
    options += [{**case, "events": events[:i] + events[i + 1:]} for i in range(len(events))]
    return options


def minimized(found: Disagreement, rounds: int = 60) -> Disagreement:
    """Drop events one at a time while the engines still disagree (one Node run per round)."""
    for _ in range(rounds):
        smaller = disagreements(_smaller(found.case))
        if not smaller:
            break
        found = min(smaller, key=lambda d: len(d.case["events"]))
    return Disagreement({**found.case, "name": found.case["name"] + " (made small)"}, found.where)
