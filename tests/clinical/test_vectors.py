"""Run every shared test vector (tests/vectors/*.json) against the Python code.

The tablet's JavaScript runs the same files, so both sides are held to the same answers. Matching
rules (the JS runner must use the same): an expected object is a subset (only its keys are compared),
an expected list must have the same length and match element by element, numbers compare by value
(70 == 70.0). Raw conversions (to_ml_h, from_ml_h) compare within 1e-9; everything rounded compares
exactly. A timeline case may also match `entries_by_id`: the state's entries keyed by event_id.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from server.clinical import (Catalog, RuleBook, VisitContext, check_order, fold_timeline, from_ml_h,
                             order_protocol, recommend_next_rate, round_half_up, step_schedule, to_ml_h)

import server.clinical as server_clinical
from server.clinical.corrections import apply_corrections
from server.clinical.expressions import FACTS_DOC, check_rule, declared, evaluate, facts_of
from server.clinical.ordering import Entry, sort_key
from server.clinical.picture import Picture, build_picture
from server.clinical.rulebook import AppliesTo, RuleSpec
from server.clinical.rules import load_rules
from server.clinical.series import SeriesFacts, place_in_series

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
EVERY_IVIG_VISIT = AppliesTo(therapies=["ivig"], protocol_kinds=["weight_titration", "fixed_steps"])


def cases(name: str) -> list[Any]:
    loaded = json.loads((VECTORS / name).read_text("utf-8"))
    return [pytest.param(case, id=case["name"]) for case in loaded]


def assert_matches(actual: Any, expected: Any, path: str = "$") -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{path}.{key} is missing"
            assert_matches(actual[key], value, f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{path}: {actual!r} != {expected!r}"
        for index, (got, want) in enumerate(zip(actual, expected)):
            assert_matches(got, want, f"{path}[{index}]")
    elif isinstance(expected, bool) or isinstance(actual, bool):
        assert actual is expected, f"{path}: {actual!r} is not {expected!r}"  # true is not 1
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


def _protocol(inputs: dict[str, Any], catalog: Catalog) -> Any:
    if "protocol_id" in inputs:
        return catalog.protocol(inputs.pop("protocol_id"))
    return order_protocol(product=catalog.product(inputs.pop("product_id")),
                          steps_ml_h=tuple(inputs.pop("steps_ml_h")), step_min=inputs.pop("step_min"),
                          first_step_min=inputs.pop("first_step_min", None))


def run_rate_case(function: str, inputs: dict[str, Any], catalog: Catalog) -> Any:
    if function == "round_half_up":
        return round_half_up(inputs["x"], inputs["places"])
    if function in ("to_ml_h", "from_ml_h"):
        convert = to_ml_h if function == "to_ml_h" else from_ml_h
        value = inputs.pop("rate" if function == "to_ml_h" else "rate_ml_h")
        return convert(value, inputs.pop("unit"), **inputs)
    protocol = _protocol(inputs, catalog)
    if "label_protocol_id" in inputs:
        inputs["label"] = catalog.protocol(inputs.pop("label_protocol_id"))
    if function == "step_schedule":
        return [step.to_dict() for step in step_schedule(protocol, **inputs)]
    return recommend_next_rate(protocol, **inputs).to_dict()


@pytest.mark.parametrize("case", cases("rates.json"))
def test_rate_vector(case: dict[str, Any], catalog: Catalog) -> None:
    result = run_rate_case(case["function"], dict(case["input"]), catalog)
    if case["function"] in ("to_ml_h", "from_ml_h"):
        assert result == pytest.approx(case["expected"], abs=1e-9)
    else:
        assert_matches(result, case["expected"])


def run_order_safety_case(inputs: dict[str, Any], catalog: Catalog) -> dict[str, Any]:
    # A product without verified rates has no label row: the vector names the product instead.
    label = catalog.protocol(inputs.pop("protocol_id")) if "protocol_id" in inputs else None
    inputs.pop("product_id", None)
    if inputs.get("steps_ml_h") is not None:
        inputs["steps_ml_h"] = tuple(inputs["steps_ml_h"])
    safety = check_order(label, **inputs)
    return {**safety.to_dict(), "accepted": safety.accepted(overridden=False),
            "accepted_with_override": safety.accepted(overridden=True)}


@pytest.mark.parametrize("case", cases("order_safety.json"))
def test_order_safety_vector(case: dict[str, Any], catalog: Catalog) -> None:
    assert_matches(run_order_safety_case(dict(case["input"]), catalog), case["expected"])


def fold(case: dict[str, Any], catalog: Catalog, rulebook: RuleBook) -> dict[str, Any]:
    context = VisitContext.from_dict(case["context"], catalog=catalog, rulebook=rulebook)
    now = None if case["now"] is None else datetime.fromisoformat(case["now"])
    return fold_timeline(case["events"], context=context, now=now).to_dict()


@pytest.mark.parametrize("case", cases("rules.json") + cases("rule_coverage.json"))
def test_rules_vector(case: dict[str, Any], catalog: Catalog, rulebook: RuleBook) -> None:
    assert fold(case, catalog, rulebook)["alerts"] == case["expected_alerts"]


@pytest.mark.parametrize("case", cases("applies_to.json"))
def test_applies_to_vector(case: dict[str, Any], catalog: Catalog) -> None:
    """Its base visit of rules.json, folded with the packaged rules but the named rules' applies_to."""
    base = next(c for c in json.loads((VECTORS / "rules.json").read_text("utf-8")) if c["name"] == case["base"])
    rules_doc = json.loads((Path(server_clinical.__file__).parent / "data" / "rules.json").read_text("utf-8"))
    for rule in rules_doc["rules"]:
        rule["applies_to"] = case["applies_to"].get(rule["id"], rule["applies_to"])
    assert fold(base, catalog, load_rules(rules_doc))["alerts"] == case["expected_alerts"]


@pytest.mark.parametrize("case", cases("timeline.json"))
def test_timeline_vector(case: dict[str, Any], catalog: Catalog, rulebook: RuleBook) -> None:
    state = fold(case, catalog, rulebook)
    state["entries_by_id"] = {entry["event_id"]: entry for entry in state["entries"]}
    assert_matches(state, case["expected"])


def run_series_case(case: dict[str, Any], catalog: Catalog, rulebook: RuleBook) -> dict[str, Any] | None:
    if case["function"] == "fold":
        return fold(case, catalog, rulebook)
    inputs = case["input"]
    place = place_in_series(SeriesFacts.from_dict(inputs["series"]), inputs["product_id"],
                            long_gap_days=inputs["long_gap_days"])
    return {"number": place.number, "kind": place.kind, "reason": place.reason,
            "previous_visit_id": None if place.previous is None else place.previous.visit_id}


@pytest.mark.parametrize("case", cases("series.json"))
def test_series_vector(case: dict[str, Any], catalog: Catalog, rulebook: RuleBook) -> None:
    assert_matches(run_series_case(case, catalog, rulebook), case["expected"])


def context_out(context: VisitContext) -> dict[str, Any]:
    """What visit_orders.json's context cases compare: the primary's protocol and each other order's."""
    return {"protocol_id": context.protocol.id, "other_protocols": [
        {"order_id": order.id, "protocol_id": protocol.id, "kind": protocol.kind, "basis": protocol.basis,
         "therapy": protocol.therapy, "product_id": protocol.product.id}
        for order, protocol in zip(context.other_orders, context.other_protocols)]}


@pytest.mark.parametrize("case", cases("visit_orders.json"))
def test_visit_orders_vector(case: dict[str, Any], catalog: Catalog, rulebook: RuleBook) -> None:
    if case["function"] == "fold":
        state = fold(case, catalog, rulebook)
        state["entries_by_id"] = {entry["event_id"]: entry for entry in state["entries"]}
        assert_matches(state, case["expected"])
    elif case["valid"]:
        assert_matches(context_out(VisitContext.from_dict(case["context"], catalog=catalog, rulebook=rulebook)),
                       case["expected"])
    else:
        with pytest.raises(ValueError) as refused:
            VisitContext.from_dict(case["context"], catalog=catalog, rulebook=rulebook)
        assert case["message"] in str(refused.value)


def test_the_vector_files_hold_plain_json_cases_with_unique_names() -> None:
    for name in ("rates.json", "rules.json", "rule_coverage.json", "timeline.json", "series.json", "order_safety.json",
                 "applies_to.json", "visit_orders.json"):
        loaded = json.loads((VECTORS / name).read_text("utf-8"))
        names = [case["name"] for case in loaded]
        assert len(names) == len(set(names)) and len(names) >= 5, name



def picture_of(case: dict[str, Any], catalog: Catalog, rulebook: RuleBook) -> Picture:
    """The fold's picture of a case (the steps of fold_timeline up to it)."""
    context = VisitContext.from_dict(case["context"], catalog=catalog, rulebook=rulebook)
    ordered = [Entry.from_event(event) for event in sorted(case["events"], key=sort_key)]
    now = None if case["now"] is None else datetime.fromisoformat(case["now"])
    return build_picture(apply_corrections(ordered, rulebook.entry_authority).effective, context, now)


@pytest.mark.parametrize("case", cases("facts.json"))
def test_facts_vector(case: dict[str, Any], catalog: Catalog, rulebook: RuleBook) -> None:
    picture = picture_of(case, catalog, rulebook)
    computed = {entry.id: facts_of(picture, entry) for entry in picture.entries if entry.kind in FACTS_DOC["each"]}
    assert_matches(computed, case["expected"])
    for check in case["checks"]:
        spec = RuleSpec(id="check", applies_to=EVERY_IVIG_VISIT, severity="info", enabled=True, message="",
                        thresholds={}, supersedes=[], source="vector", each=check["each"], when=check["when"], values={})
        check_rule(spec)
        assert [finding.event_ids[0] for finding in evaluate(picture, spec)] == check["fires_on"], check["when"]


@pytest.mark.parametrize("case", cases("facts.json") + cases("rules.json") + cases("timeline.json"))
def test_the_server_computes_exactly_the_facts_the_document_declares(case: dict[str, Any], catalog: Catalog,
                                                                      rulebook: RuleBook) -> None:
    picture = picture_of(case, catalog, rulebook)
    for entry in (entry for entry in picture.entries if entry.kind in FACTS_DOC["each"]):
        facts, declared_facts = facts_of(picture, entry), declared(entry.kind)
        assert set(facts) == set(declared_facts), entry.kind
        for name, fact in declared_facts.items():
            assert "members" not in fact or set(facts[name]) == set(fact["members"]), name
