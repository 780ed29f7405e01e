"""Therapy and protocol kind on the server side: a rule naming a therapy or kind the products data does
not declare, or an order whose therapy is not its product's, stops the visit context loudly (the tablet's
twin: tests/js/therapy.test.mjs). Which rules run on which visit: tests/vectors/applies_to.json."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from server.clinical import Catalog, VisitContext
from server.clinical.products import load_products
from server.clinical.rates import rate_limit
from server.clinical.rules import load_rules

RULES = Path(__file__).resolve().parents[2] / "server" / "clinical" / "data" / "rules.json"
ORDER = {"product_id": "gammagard-liquid-10", "protocol_id": "gammagard-liquid-10-pi", "dosing_weight_kg": 70}


def _rules_with(field: str, names: list[str]) -> dict[str, Any]:
    doc = json.loads(RULES.read_text("utf-8"))
    doc["rules"][0]["applies_to"][field] = names
    return doc


@pytest.mark.parametrize(("field", "name"), [("therapies", "antibiotic"), ("protocol_kinds", "step_down")])
def test_a_rule_naming_an_undeclared_therapy_or_kind_stops_the_visit(catalog: Catalog, field: str, name: str) -> None:
    rulebook = load_rules(_rules_with(field, ["ivig", name] if field == "therapies" else ["fixed_steps", name]))
    with pytest.raises(ValueError, match=f"rule 'fever' applies_to.{field} names undeclared \\['{name}'\\]"):
        VisitContext.from_dict({"order": ORDER}, catalog=catalog, rulebook=rulebook)


def test_a_rule_without_applies_to_is_refused_naming_the_field() -> None:
    doc = json.loads(RULES.read_text("utf-8"))
    del doc["rules"][0]["applies_to"]
    with pytest.raises(ValueError, match=r"rules\.rules\[0\]\.applies_to: is required"):  # as the tablet words it
        load_rules(doc)


def test_an_order_for_another_therapy_than_its_product_is_refused(catalog: Catalog) -> None:
    with pytest.raises(ValueError, match="order.therapy 'scig' is not its product's \\('ivig'\\)"):
        VisitContext.from_dict({"order": {**ORDER, "therapy": "scig"}}, catalog=catalog)


def test_a_visit_has_its_protocols_therapy_and_kind(catalog: Catalog) -> None:
    label = VisitContext.from_dict({"order": ORDER}, catalog=catalog).protocol
    steps = {**ORDER, "protocol_id": None, "steps_ml_h": [30, 60], "step_min": 15}
    order = VisitContext.from_dict({"order": steps}, catalog=catalog).protocol
    assert (label.therapy, label.kind, label.basis) == ("ivig", "weight_titration", "label")
    assert (order.therapy, order.kind, order.basis) == ("ivig", "fixed_steps", "order")


def test_a_kind_declaring_a_field_no_row_can_carry_is_refused_naming_it() -> None:
    doc = json.loads((RULES.parent / "products.json").read_text("utf-8"))
    bad = copy.deepcopy(doc)
    bad["protocol_kinds"]["fixed_dose"]["fields"].append("drip_factor")
    at = len(bad["protocol_kinds"]["fixed_dose"]["fields"]) - 1  # the schema names the field by its place
    with pytest.raises(ValueError, match=rf"protocol_kinds\.fixed_dose\.fields\[{at}\]: must be one of 'start_rate'"):
        load_products(bad)


# TEST DATA (shape only, no clinical meaning): the Gammagard PI row turned into a fixed_dose row.
FIXED_DOSE = {"kind": "fixed_dose", "rate_unit": "mL/h", "start_rate": None, "first_step_min": None, "ladder": None,
         "step_min": None, "max_rate": None, "ladder_source": None, "first_step_source": None, "step_source": None,
         "at_risk_cap_source": None, "ladder_note": None, "volume_ml": 100, "duration_min": 30}


def test_a_visit_context_builds_for_a_kind_without_rate_maths_which_the_rate_maths_refuse_by_name() -> None:
    doc = json.loads((RULES.parent / "products.json").read_text("utf-8"))
    doc["products"][0].update(FIXED_DOSE)
    context = VisitContext.from_dict({"order": ORDER}, catalog=load_products(doc))
    assert (context.protocol.kind, dict(context.protocol.terms)) == ("fixed_dose", {"volume_ml": 100, "duration_min": 30})
    with pytest.raises(ValueError, match=r"no rate maths for a fixed_dose protocol \(gammagard-liquid-10-pi\)"):
        rate_limit(context.protocol, **context.limits(at_risk=False))
