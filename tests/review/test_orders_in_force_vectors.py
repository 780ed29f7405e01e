"""The server's half of tests/vectors/orders_in_force.json (tests/js/orders_in_force.test.mjs runs the tablet's):
which fold each alert is taken from when a visit's orders were edited while it ran, so the record and the
open visit screen take the same alerts from the same folds."""

from __future__ import annotations

import json
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

import pytest

from server.clinical.rules import Alert
from server.clinical.timeline import VisitState
from server.services.order_as_run import moment
from server.services.orders_in_force import judged
from server.services.visits import rulebook

CASES = json.loads((Path(__file__).parents[1] / "vectors" / "orders_in_force.json").read_text("utf-8"))


def visit_state(data: dict[str, Any]) -> VisitState:
    """A state holding the case's alerts, segments, vitals and entries (every other field empty)."""
    empty = {f.name: [] if f.default is MISSING else f.default for f in fields(VisitState)}
    alerts = [Alert(a["id"], a["rule"], "warning", a["message"], tuple(a["event_ids"])) for a in data["alerts"]]
    return VisitState(**{**empty, **data, "alerts": alerts})


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_the_server_takes_each_alert_from_the_fold_the_vector_names(case: dict[str, Any]) -> None:
    merged = judged(visit_state(case["final"]), [visit_state(state) for state in case["earlier"]],
                    [moment(edit) for edit in case["edits"]], case["events"], rulebook())
    assert [[a.rule, a.event_ids[0], a.message] for a in merged.alerts] == case["expected"]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_each_vector_judges_its_rules_as_the_packaged_rules_do(case: dict[str, Any]) -> None:
    packaged = {spec.id: spec.judged for spec in rulebook().rules}
    assert case["judged"] == {rule: packaged[rule] for rule in case["judged"]}
