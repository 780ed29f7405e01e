"""The tablet's rules (pwa/rules.js, in Node) and the server's (server.clinical) give the same answer
for ten thousand plausible visits: the same alerts (ids, severities, messages, entries), the same
titration advice (next rate and when), the same vital-signs schedule, and the rest of the visit state.

The visits are drawn by the strategies in strategies.py from a fixed seed (cases.SEED), so every run
folds the same ones; `IVLOG_DIFFERENTIAL_COUNT` changes the count (make differential runs 50,000).
A disagreement is reported on the first differing case, made small, ready to become a shared vector.
"""

from __future__ import annotations

import copy
import json
import os

from hypothesis import HealthCheck, given, settings

from tests.differential.cases import SEED, generate
from tests.differential.compare import disagreements, disagreements_of, minimized
from tests.differential.engines import differences, fold_python, same
from tests.differential.strategies import visits

COUNT = int(os.environ.get("IVLOG_DIFFERENTIAL_COUNT", "10000"))


def test_the_tablet_and_the_server_agree_on_ten_thousand_visits() -> None:
    found = disagreements_of(COUNT, SEED)
    assert not found, f"{len(found)} of {COUNT} visits disagree; the first, made small:\n" + \
        minimized(found[0]).report()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(visits())
def test_the_engines_agree_on_visits_hypothesis_draws_and_shrinks(case: dict) -> None:
    found = disagreements([{"name": "hypothesis", **case}])
    assert not found, found[0].report()


def test_the_generated_visits_are_the_same_for_the_same_seed() -> None:
    assert generate(30, SEED) == generate(30, SEED)
    assert generate(30, SEED) != generate(30, SEED + 1)


def test_the_comparison_sees_one_changed_alert_advice_or_due_time() -> None:
    case = next(c for c in generate(200, SEED) if fold_python(c)["state"]["alerts"] and
                fold_python(c)["state"]["infusion"]["next_rate"] and fold_python(c)["state"]["next_vitals_due_at"])
    answer = json.loads(json.dumps(fold_python(case)))
    assert list(differences(answer, copy.deepcopy(answer))) == [] and same(answer, copy.deepcopy(answer))
    for change in (_alert_severity, _advice_rate, _due_time, _true_as_one):
        changed = copy.deepcopy(answer)
        change(changed["state"])
        assert list(differences(answer, changed)) and not same(answer, changed), change.__name__


def _alert_severity(state: dict) -> None:
    state["alerts"][0]["severity"] = "info" if state["alerts"][0]["severity"] != "info" else "warning"


def _advice_rate(state: dict) -> None:
    state["infusion"]["next_rate"]["due_at"] = "2025-03-04T09:00:00.001Z"


def _due_time(state: dict) -> None:
    state["next_vitals_due_at"] = None


def _true_as_one(state: dict) -> None:
    state["protocol"]["limit_exclusive"] = int(state["protocol"]["limit_exclusive"])
