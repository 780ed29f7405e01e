"""Rate arithmetic and the step table (CLINICAL.md section 2)."""

from __future__ import annotations

import pytest

from server.clinical import Catalog, order_protocol, step_schedule, to_ml_h
from server.clinical.rates import from_ml_h, next_step, rate_limit, step_index


@pytest.mark.parametrize(
    ("rate", "unit", "concentration", "expected_ml_h"),
    [
        (0.5, "mg/kg/min", 100, 21.0),  # 0.5 × 70 × 60 / 100
        (0.5, "mg/kg/min", 50, 42.0),  # a 5% product needs twice the volume
        (0.01, "mL/kg/min", 100, 42.0),  # 0.01 × 70 × 60
        (0.5, "mL/kg/h", 100, 35.0),
        (120, "mL/h", 100, 120.0),
    ],
)
def test_to_ml_h_for_70_kg(rate: float, unit: str, concentration: float, expected_ml_h: float) -> None:
    assert to_ml_h(rate, unit, weight_kg=70, concentration_mg_ml=concentration) == pytest.approx(expected_ml_h)


def test_for_a_10_percent_product_ml_kg_h_is_mg_kg_min_times_0_6_and_for_5_percent_times_1_2() -> None:
    assert from_ml_h(to_ml_h(1, "mg/kg/min", weight_kg=63, concentration_mg_ml=100), "mL/kg/h",
                     weight_kg=63, concentration_mg_ml=100) == pytest.approx(0.6)
    assert from_ml_h(to_ml_h(1, "mg/kg/min", weight_kg=63, concentration_mg_ml=50), "mL/kg/h",
                     weight_kg=63, concentration_mg_ml=50) == pytest.approx(1.2)


def test_gammagard_pi_step_table_for_70_kg(catalog: Catalog) -> None:
    table = [(s.index, s.rate_ml_h, s.ml_kg_h, s.mg_kg_min, s.hold_min, s.starts_at_min)
             for s in step_schedule(catalog.protocol("gammagard-liquid-10-pi"), weight_kg=70)]
    assert table == [
        (0, 35.0, 0.5, 0.83, 30, 0.0),
        (1, 70.0, 1.0, 1.67, 30, 30.0),
        (2, 140.0, 2.0, 3.33, 30, 60.0),
        (3, 280.0, 4.0, 6.67, 30, 90.0),
        (4, 350.0, 5.0, 8.33, None, 120.0),
    ]


def test_bivigam_holds_the_first_step_10_min_then_20_min_steps(catalog: Catalog) -> None:
    steps = step_schedule(catalog.protocol("bivigam-10-pi"), weight_kg=70)
    assert [s.rate_ml_h for s in steps] == [21.0, 54.6, 88.2, 121.8, 155.4, 189.0, 222.6, 252.0]
    assert [s.starts_at_min for s in steps[:3]] == [0.0, 10.0, 30.0]


def test_ml_h_is_rounded_half_up_to_a_tenth_at_the_boundary(catalog: Catalog) -> None:
    steps = step_schedule(catalog.protocol("gammagard-liquid-10-pi"), weight_kg=71.37)
    assert steps[-1].rate_ml_h == 356.9  # 5 × 71.37 = 356.85 -> 356.9 (round() would give 356.8)


def test_an_at_risk_cap_between_steps_becomes_the_last_step(catalog: Catalog) -> None:
    steps = step_schedule(catalog.protocol("octagam-10-itp"), weight_kg=70, at_risk=True)
    assert [s.rate_ml_h for s in steps] == [42.0, 84.0, 126.0]  # 0.03 mL/kg/min, the label's mL figure
    assert steps[-1].hold_min is None


def test_an_exclusive_cap_keeps_only_steps_strictly_below_it(catalog: Catalog) -> None:
    steps = step_schedule(catalog.protocol("bivigam-10-pi"), weight_kg=70, at_risk=True)
    assert [s.rate_ml_h for s in steps] == [21.0, 54.6]


def test_an_order_cap_below_the_label_maximum_replaces_the_at_risk_cap(catalog: Catalog) -> None:
    protocol = catalog.protocol("octagam-10-itp")
    steps = step_schedule(protocol, weight_kg=70, cap_ml_h=200, at_risk=True)
    assert [s.rate_ml_h for s in steps] == [42.0, 84.0, 168.0, 200.0]
    assert rate_limit(protocol, weight_kg=70, cap_ml_h=200, at_risk=True).source == "order_cap"


def test_an_order_cap_above_the_label_maximum_never_lifts_it(catalog: Catalog) -> None:
    protocol = catalog.protocol("privigen-10-itp")  # 4 mg/kg/min x 70 kg x 60 / 100 = 168 mL/h
    limit = rate_limit(protocol, weight_kg=70, cap_ml_h=300)
    assert (limit.ml_h, limit.source) == (168.0, "label_max")
    assert step_schedule(protocol, weight_kg=70, cap_ml_h=300)[-1].rate_ml_h == 168.0


def test_an_order_protocol_is_cut_at_its_label_maximum(catalog: Catalog) -> None:
    steps = order_protocol(product=catalog.product("privigen-10"), steps_ml_h=(60, 120, 240), step_min=15)
    label = catalog.protocol("privigen-10-itp")
    assert [s.rate_ml_h for s in step_schedule(steps, weight_kg=70, label=label)] == [60.0, 120.0, 168.0]
    assert rate_limit(steps, weight_kg=70, label=label).source == "label_max"


def test_an_order_protocol_runs_its_explicit_ml_h_steps(catalog: Catalog) -> None:
    protocol = order_protocol(product=catalog.product("privigen-10"), steps_ml_h=(30, 60, 90, 120, 150), step_min=15)
    steps = step_schedule(protocol, weight_kg=70)
    assert [(s.rate_ml_h, s.hold_min, s.starts_at_min) for s in steps] == [
        (30, 15, 0.0), (60, 15, 15.0), (90, 15, 30.0), (120, 15, 45.0), (150, None, 60.0)]
    assert steps[0].mg_kg_min == 0.71  # 30 × 100 / (70 × 60) = 0.714
    assert rate_limit(protocol, weight_kg=70).source == "order_max"


def test_an_order_cap_below_the_start_leaves_one_step_at_the_cap(catalog: Catalog) -> None:
    protocol = order_protocol(product=catalog.product("privigen-10"), steps_ml_h=(30, 60), step_min=15)
    assert [s.rate_ml_h for s in step_schedule(protocol, weight_kg=70, cap_ml_h=20)] == [20.0]


@pytest.mark.parametrize("steps", [(), (30, 30), (60, 30), (0, 30)])
def test_order_steps_must_be_positive_and_increasing(catalog: Catalog, steps: tuple[float, ...]) -> None:
    with pytest.raises(ValueError):
        order_protocol(product=catalog.product("privigen-10"), steps_ml_h=steps, step_min=15)


def test_step_lookup_tolerates_pump_rounding(catalog: Catalog) -> None:
    steps = step_schedule(catalog.protocol("gammagard-liquid-10-pi"), weight_kg=70)
    assert step_index(steps, 69.6, 0.5) == 1
    assert step_index(steps, 69.4, 0.5) == 0
    assert step_index(steps, 20, 0.5) is None
    assert next_step(steps, 70.4, 0.5).rate_ml_h == 140.0  # type: ignore[union-attr]
    assert next_step(steps, 350, 0.5) is None
