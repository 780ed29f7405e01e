"""The place in the series beyond the shared vectors: the gap is data an organization may change, and
the rule book refuses a gap that is not a positive number of days."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from importlib import resources
from typing import Any

import pytest

from server.clinical.products import load_products
from server.clinical.rules import load_rules
from server.clinical.series import PriorInfusion, SeriesFacts
from server.clinical.visit_context import Order, PatientFlags, VisitContext

ON = datetime(2025, 3, 4, 9, tzinfo=timezone.utc)
FIFTY_DAYS_AGO = datetime(2025, 1, 13, 9, tzinfo=timezone.utc)


def rules_data() -> dict[str, Any]:
    return json.loads(resources.files("server.clinical").joinpath("data/rules.json").read_text("utf-8"))


def qivigy_context(rules: dict[str, Any]) -> VisitContext:
    facts = SeriesFacts(ON, (PriorInfusion("v-1", "qivigy-10", FIFTY_DAYS_AGO, 168.0),))
    order = Order(product_id="qivigy-10", dosing_weight_kg=70, protocol_id="qivigy-10-pi")
    return VisitContext(order, PatientFlags(), load_products(), load_rules(rules), facts)


def test_fifty_days_after_a_qivigy_infusion_the_subsequent_protocol_applies() -> None:
    context = qivigy_context(rules_data())
    assert context.series_place is not None and context.series_place.number == 2
    assert (context.protocol.infusion, context.protocol.start_rate) == ("subsequent", 2)


def test_an_organization_that_sets_a_42_day_gap_makes_the_same_visit_a_first_infusion() -> None:
    rules = rules_data()
    rules["infusion_series"]["long_gap_days"] = 42
    context = qivigy_context(rules)
    assert context.series_place is not None and context.series_place.reason == "long_gap"
    assert (context.protocol.infusion, context.protocol.start_rate, context.protocol.first_step_min) == ("first", 1, 30)


@pytest.mark.parametrize("change", [{"long_gap_days": 0}, {"long_gap_days": -56}, {"source": ""}, {"weeks": 8}])
def test_the_rule_book_refuses_a_gap_that_is_not_a_positive_number_of_days(change: dict[str, Any]) -> None:
    rules = rules_data()
    rules["infusion_series"].update(change)
    with pytest.raises(ValueError):
        load_rules(rules)
