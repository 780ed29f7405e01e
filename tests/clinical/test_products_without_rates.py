"""Products without verified rates (products.json products_without_rates; LABELS.md s.2.10): the loader
keeps them apart from the label rows, and a visit on one resolves only as an order protocol with no label
row to bound it. The tablet's twin is tests/js/catalog_unrated.test.mjs."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import pytest

from server.clinical import Catalog, load_products
from server.clinical.visit_context import VisitContext

NOTE = "rates not verified; order must give explicit steps"
# As LABELS.md s.2.10 states them; Gammagard S/D is left out (lyophilized, no one concentration).
EXPECTED = {"alyglo-10": ("61476-104", None), "yimmugo-10": ("70573-605", None), "gammagard-liquid-erc-10": ("0944-2705", 2)}


def packaged() -> dict[str, Any]:
    return json.loads(resources.files("server.clinical").joinpath("data/products.json").read_text("utf-8"))


def test_the_catalogue_lists_the_products_labels_md_found_without_rates(catalog: Catalog) -> None:
    ivig = [entry for entry in catalog.unrated if entry.product.therapy == "ivig"]
    found = {e.product.id: (tuple(n.ndc for n in e.ndcs), e.min_age_years) for e in ivig}
    assert found == {pid: ((ndc,), age) for pid, (ndc, age) in EXPECTED.items()}
    for entry in ivig:
        assert entry.rates_note == NOTE and entry.source.startswith("LABELS.md s.2.10") and "http" in entry.source
        assert entry.product.concentration_mg_ml == 100 and entry.indications == ("PI",)
        assert all("LABELS.md s.2.10" in ndc.source for ndc in entry.ndcs)
    assert "Gammagard S/D" not in json.dumps(packaged()["products_without_rates"])


def test_a_product_without_rates_is_a_product_but_has_no_protocol(catalog: Catalog) -> None:
    assert catalog.product("alyglo-10").name == "Alyglo 10%"
    assert catalog.unrated_product("privigen-10") is None
    with pytest.raises(KeyError):
        catalog.protocol_for("alyglo-10", "PI")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ladder": [1, 2]}, "ladder"),
        ({"rates_note": "rates fine"}, "rates_note"),
        ({"product_id": "privigen-10"}, "none that has label rows"),
        ({"concentration_mg_ml": 0}, "concentration_mg_ml"),
        ({"source": ""}, "source"),
    ],
)
def test_a_broken_entry_without_rates_is_refused_at_load(change: dict[str, Any], message: str) -> None:
    data = copy.deepcopy(packaged())
    data["products_without_rates"][0].update(change)
    with pytest.raises(ValueError, match=message):
        load_products(data)


def test_a_product_listed_twice_is_refused() -> None:
    data = copy.deepcopy(packaged())
    data["products_without_rates"].append(data["products_without_rates"][0])
    with pytest.raises(ValueError, match="each product once"):
        load_products(data)


def test_a_visit_on_alyglo_with_steps_runs_an_order_protocol_with_no_label_row(catalog: Catalog) -> None:
    order = {"product_id": "alyglo-10", "indication": "PI", "dosing_weight_kg": 70, "steps_ml_h": [30, 60, 120],
             "step_min": 15, "rate_cap_ml_h": 120}
    context = VisitContext.from_dict({"order": order}, catalog=catalog)
    assert (context.protocol.kind, context.protocol.basis, list(context.protocol.ladder)) == ("fixed_steps", "order", [30, 60, 120])
    assert context.label_protocol is None and context.unrated is not None


def test_a_visit_on_alyglo_without_steps_fails_saying_the_rates_are_not_verified(catalog: Catalog) -> None:
    order = {"product_id": "alyglo-10", "indication": "PI", "dosing_weight_kg": 70}
    with pytest.raises(ValueError, match="rates not verified for Alyglo 10%; give explicit steps"):
        VisitContext.from_dict({"order": order}, catalog=catalog)


def test_normal_saline_is_a_hydration_product_whose_order_gives_the_volume_and_the_time(catalog: Catalog) -> None:
    """LABELS.md s.6: no label rate; order-driven, "X mL over Y h"."""
    saline = catalog.unrated_product("sodium-chloride-0.9")
    assert saline is not None and saline.product.therapy == "hydration" and saline.product.concentration_mg_ml == 9
    assert saline.rates_note == "no label rate; the order gives the volume and the time"
    assert saline.source.startswith("LABELS.md s.6") and saline.indications == ("Hydration",)
    assert catalog.order_kind("sodium-chloride-0.9") == "fixed_dose"
    assert catalog.order_kind("alyglo-10") == "fixed_steps" and catalog.order_kind("privigen-10") is None
