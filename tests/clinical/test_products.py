"""The products data file: every row of CLINICAL.md section 2 and LABELS.md, checked by hand for a 70 kg patient."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import pytest

from server.clinical import Catalog, load_products, step_schedule
from server.clinical.rates import rate_limit

# protocol id: (start mL/h, maximum mL/h, at-risk cap mL/h or None), worked out by hand for 70 kg:
#   mg/kg/min: rate × 70 × 60 ÷ concentration;  mL/kg/min: rate × 70 × 60;  mL/kg/h: rate × 70
HAND_COMPUTED_70_KG = {
    "gammagard-liquid-10-pi": (35.0, 350.0, None),        # 0.5 × 70 = 35;  5 × 70 = 350 (mL/kg/h)
    "gammagard-liquid-10-mmn-cidp": (35.0, 378.0, None),  # 0.5 × 70;  5.4 × 70 = 378
    "privigen-10-pi-cidp": (21.0, 336.0, None),           # 0.5 × 70 × 60 / 100 = 21;  8 × 4200 / 100 = 336
    "privigen-10-itp": (21.0, 168.0, None),               # 4 × 42 = 168
    "gamunex-c-10-pi-itp": (42.0, 336.0, None),           # 1 × 42 = 42
    "gamunex-c-10-cidp": (84.0, 336.0, None),             # 2 × 42 = 84
    "octagam-10-itp": (42.0, 504.0, 126.0),               # 12 × 42 = 504;  0.03 mL/kg/min × 4200 = 126
    "octagam-10-dm": (42.0, 168.0, 126.0),                # 4 × 42 = 168
    "octagam-5-pi": (42.0, 279.7, 277.2),                 # 0.5 × 4200 / 50 = 42;  3.33 × 84 = 279.72;  < 3.3 × 84
    "panzyga-10-pi": (42.0, 588.0, 138.6),                # 14 × 42 = 588;  3.3 × 42 = 138.6
    "panzyga-10-itp": (42.0, 336.0, 138.6),               # 0.08 mL/kg/min = 8 mg/kg/min × 42 = 336
    "panzyga-10-cidp": (42.0, 504.0, 138.6),              # 12 × 42 = 504
    "bivigam-10-pi": (21.0, 252.0, 84.0),                 # 6 × 42 = 252;  cap < 2 × 42 = 84
    "asceniv-10-pi": (21.0, 336.0, None),
    "flebogamma-5-dif-pi": (42.0, 420.0, None),           # 0.5 × 84 = 42;  5 × 84 = 420 (5%: × 84)
    "flebogamma-10-dif-pi-itp": (42.0, 336.0, None),
    "gammaplex-5-pi-itp": (42.0, 336.0, None),            # 4 × 84 = 336
    "gammaplex-10-pi": (21.0, 336.0, None),               # 0.005 × 70 × 60 = 21;  0.08 × 4200 = 336
    "gammaplex-10-itp": (21.0, 336.0, None),
    "qivigy-10-pi": (42.0, 336.0, None),                  # first infusion: 1 × 42;  8 × 42
}


def packaged() -> dict[str, Any]:
    text = resources.files("server.clinical").joinpath("data/products.json").read_text("utf-8")
    return json.loads(text)


def test_the_data_file_has_exactly_the_rows_of_clinical_md_and_labels_md(catalog: Catalog) -> None:
    assert {protocol.id for protocol in catalog.protocols} == set(HAND_COMPUTED_70_KG)


@pytest.mark.parametrize("protocol_id", sorted(HAND_COMPUTED_70_KG))
def test_start_max_and_cap_for_70_kg_match_the_hand_conversion(catalog: Catalog, protocol_id: str) -> None:
    start, maximum, cap = HAND_COMPUTED_70_KG[protocol_id]
    protocol = catalog.protocol(protocol_id)
    steps = step_schedule(protocol, weight_kg=70)
    assert (steps[0].rate_ml_h, steps[-1].rate_ml_h) == (start, maximum)
    at_risk = rate_limit(protocol, weight_kg=70, at_risk=True)
    assert (at_risk.ml_h if at_risk.source == "at_risk_cap" else None) == cap


def test_bivigam_at_risk_cap_is_exclusive_as_the_label_says_less_than(catalog: Catalog) -> None:
    limit = rate_limit(catalog.protocol("bivigam-10-pi"), weight_kg=70, at_risk=True)
    assert limit.exclusive and limit.exceeded_by(84.0) and not limit.exceeded_by(83.9)


def test_every_row_carries_its_source_and_is_marked_unverified_until_a_pharmacist_signs(catalog: Catalog) -> None:
    for protocol in catalog.protocols:
        assert "LABELS.md s.2." in protocol.source
        assert protocol.verified_on is None


def test_rows_with_a_vague_label_ladder_say_how_ivlog_made_it_concrete(catalog: Catalog) -> None:
    vague = {"gammagard-liquid-10-pi", "privigen-10-pi-cidp", "gamunex-c-10-pi-itp", "octagam-5-pi"}
    for protocol_id in vague:
        assert "doubles" in (catalog.protocol(protocol_id).ladder_note or "")


def test_product_lookup_by_indication(catalog: Catalog) -> None:
    assert catalog.protocol_for("gammagard-liquid-10", "CIDP").id == "gammagard-liquid-10-mmn-cidp"
    with pytest.raises(KeyError, match="no protocol"):
        catalog.protocol_for("privigen-10", "MMN")


def test_a_pharmacist_can_override_the_data(catalog: Catalog) -> None:
    data = packaged()
    data["version"] = "org-42"
    row = data["products"][0]
    row.update(ladder=[0.5, 1, 2, 3, 4, 5], verified_on="2025-07-01")
    row["ladder_source"] = ["label", "organization", "organization", "organization", "organization", "label"]
    custom = load_products(data)
    assert custom.version == "org-42"
    assert [s.rate_ml_h for s in step_schedule(custom.protocol(row["protocol_id"]), weight_kg=70)] == [
        35.0, 70.0, 140.0, 210.0, 280.0, 350.0]
    assert str(custom.protocol(row["protocol_id"]).verified_on) == "2025-07-01"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ladder": [0.5, 2, 1, 5]}, "strictly increasing"),
        ({"ladder": [1, 2, 5]}, "from start_rate to max_rate"),
        ({"at_risk_cap": 6}, "between start and maximum"),
        ({"rate_unit": "drops/min"}, "rate_unit"),
        ({"concentration_mg_ml": 0}, "concentration_mg_ml"),
        ({"surprise": True}, "surprise"),
        ({"ladder_source": ["label", "generated", "label"]}, "ladder_source must match the ladder"),
        ({"first_step_source": "a guess"}, "first_step_source"),
        ({"at_risk_cap_source": ""}, "at_risk_cap_source"),
        ({"ndcs": [{"ndc": "0944-2705"}]}, "labeler"),
        ({"min_age_years": 0}, "min_age_years"),
        ({"ladder": [0.5, 1, float("nan"), 4, 5]}, r"ladder\[2\]: must be a number"),
        ({"at_risk_cap": float("inf")}, "at_risk_cap: must be a number"),
        ({"first_step_min": 30.0}, "first_step_min: must be a whole number"),  # a form's "30.0": not an int
    ],
)
def test_a_broken_override_is_refused_at_load(change: dict[str, Any], message: str) -> None:
    data = copy.deepcopy(packaged())
    data["products"][0].update(change)
    with pytest.raises(ValueError, match=message):
        load_products(data)


def test_a_row_without_ndcs_lists_none() -> None:
    """The default sits beside a $ref in the schema: both sides fill it (tests/js/catalog_defaults)."""
    data = copy.deepcopy(packaged())
    del data["products"][0]["ndcs"], data["products_without_rates"][0]["ndcs"]
    catalog = load_products(data)
    assert catalog.protocols[0].provenance.ndcs == () and catalog.unrated[0].ndcs == ()


LATER = {"start_rate": 1, "first_step_min": 15, "step_min": 15, "ladder": [1, 2, 5],
         "ladder_source": ["organization", "organization", "label"], "first_step_source": "organization",
         "step_source": "organization", "source": "pharmacist, 2025-07-01"}


def test_a_row_may_give_later_infusions_their_own_start_and_step_times() -> None:
    data = copy.deepcopy(packaged())
    data["products"][0]["subsequent"] = LATER
    first = load_products(data).protocol(data["products"][0]["protocol_id"])
    later = first.for_infusion("subsequent")
    assert (first.infusion, first.ladder, first.step_min) == ("first", (0.5, 1, 2, 4, 5), 30)
    assert (later.infusion, later.ladder, later.first_step_min, later.step_min) == ("subsequent", (1, 2, 5), 15, 15)
    assert later.source == "pharmacist, 2025-07-01" and first.for_infusion("first") is first


def test_qivigy_later_infusions_start_at_2_mg_kg_min_for_15_minutes_as_its_maker_says(catalog: Catalog) -> None:
    later = catalog.protocol("qivigy-10-pi").for_infusion("subsequent")
    assert [(s.rate_ml_h, s.hold_min) for s in step_schedule(later, weight_kg=70)] == [
        (84.0, 15), (168.0, 15), (336.0, None)]  # 2, 4, 8 mg/kg/min x 70 kg x 60 / 100 mg/mL


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ladder": [1, 2, 4]}, "subsequent: ladder must run from start_rate to max_rate"),
        ({"ladder": [1, 1, 5]}, "subsequent: ladder must be strictly increasing"),
        ({"ladder_source": ["label"]}, "subsequent: ladder_source must match the ladder"),
        ({"source": ""}, "source"),
        ({"max_rate": 5}, "max_rate"),
    ],
)
def test_a_broken_subsequent_block_is_refused_at_load(change: dict[str, Any], message: str) -> None:
    data = copy.deepcopy(packaged())
    data["products"][0]["subsequent"] = {**LATER, **change}
    with pytest.raises(ValueError, match=message):
        load_products(data)


def test_a_subsequent_start_at_or_above_the_at_risk_cap_is_refused() -> None:
    data = copy.deepcopy(packaged())
    data["products"][0].update(at_risk_cap=0.8, subsequent=LATER)
    with pytest.raises(ValueError, match="subsequent: at_risk_cap must lie above its start rate"):
        load_products(data)


def test_rows_of_one_product_must_agree_on_its_concentration() -> None:
    data = copy.deepcopy(packaged())
    data["products"][1]["concentration_mg_ml"] = 50
    with pytest.raises(ValueError, match="disagree"):
        load_products(data)
