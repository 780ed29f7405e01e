"""Fixtures for the clinical domain: the packaged data files and the Gammagard PI context."""

from __future__ import annotations

from typing import Any

import pytest

from server.clinical import Catalog, RuleBook, VisitContext, load_products, load_rules
from tests.clinical.visits import GAMMAGARD_ORDER, ContextFor


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_products()


@pytest.fixture(scope="session")
def rulebook() -> RuleBook:
    return load_rules()


@pytest.fixture
def context_for(catalog: Catalog, rulebook: RuleBook) -> ContextFor:
    """`context_for(patient={...}, **order_changes)`: the Gammagard order with some changes."""

    def make(patient: dict[str, Any] | None = None, **order_changes: Any) -> VisitContext:
        data = {"order": {**GAMMAGARD_ORDER, **order_changes}, "patient": patient or {}}
        return VisitContext.from_dict(data, catalog=catalog, rulebook=rulebook)

    return make


@pytest.fixture
def gammagard_context(context_for: ContextFor) -> VisitContext:
    """patient_pat: 70 kg, Gammagard Liquid 10% for PI, 1 g/kg, two premedications, no risk flags."""
    return context_for()
