from __future__ import annotations

import pytest

from server.clinical.rounding import format_number, round_half_up


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (0.125, 2, 0.13),  # Python's round() gives 0.12 (half to even)
        (2.5, 0, 3.0),  # round() gives 2
        (1.005, 2, 1.01),  # 1.005 is 1.00499999... in binary; people wrote 1.005
        (279.72, 1, 279.7),
        (356.85, 1, 356.9),
        (36.99999999999999, 1, 37.0),
        (0.04999, 1, 0.0),
        (-2.5, 0, -2.0),  # half up means towards +infinity, as Math.floor(x + 0.5) in JavaScript
    ],
)
def test_round_half_up_rounds_halves_towards_plus_infinity(value: float, places: int, expected: float) -> None:
    assert round_half_up(value, places) == expected


def test_round_half_up_differs_from_bankers_rounding_where_javascript_would() -> None:
    assert round(0.125, 2) != round_half_up(0.125, 2)


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [(38.0, 1, "38"), (37.55, 2, "37.55"), (0.83333, 2, "0.83"), (350.0, 2, "350"), (-0.01, 1, "0"), (1.6, 2, "1.6")],
)
def test_format_number_drops_trailing_zeros(value: float, places: int, expected: str) -> None:
    assert format_number(value, places) == expected


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [(1e306, 3, "Infinity"), (-1e306, 3, "-Infinity"), (1e300, 1, "1e+300"), (float("nan"), 1, "NaN"),
     (1.5e22, 0, "1.5e+22")],  # each as the tablet's formatNumber writes it (pwa/rules/rounding.js)
)
def test_format_number_writes_huge_and_non_finite_values_as_javascript_does_instead_of_failing(
    value: float, places: int, expected: str
) -> None:
    assert format_number(value, places) == expected


def test_round_half_up_of_a_value_too_large_to_scale_is_infinite_as_in_javascript() -> None:
    assert round_half_up(1e306, 3) == float("inf") and round_half_up(-1e306, 3) == float("-inf")
