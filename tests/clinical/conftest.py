"""Fixtures for the clinical domain: the packaged data files and the Gammagard PI context."""

from __future__ import annotations

import pytest

from server.clinical import Catalog, RuleBook, VisitContext, load_products, load_rules

GAMMAGARD_ORDER = {
    "product_id": "gammagard-liquid-10", "protocol_id": "gammagard-liquid-10-pi", "dosing_weight_kg": 70,
    "dose_g_per_kg": 1.0,
    "premeds": [{"drug": "diphenhydramine", "dose": 25, "unit": "mg", "route": "PO"},
                {"drug": "acetaminophen", "dose": 650, "unit": "mg", "route": "PO"}],
}


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_products()


@pytest.fixture(scope="session")
def rulebook() -> RuleBook:
    return load_rules()


@pytest.fixture
def gammagard_context(catalog: Catalog, rulebook: RuleBook) -> VisitContext:
    """patient_pat: 70 kg, Gammagard Liquid 10% for PI, 1 g/kg, two premedications, no risk flags."""
    return VisitContext.from_dict({"order": GAMMAGARD_ORDER, "patient": {}}, catalog=catalog, rulebook=rulebook)
