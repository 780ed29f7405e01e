"""Hydration orders (LABELS.md s.6): normal saline has no label rate, so the order itself is the rate, a
volume over a time ("500 mL over 120 min"). The catalogue says which products are ordered so (their therapy's
order kind is fixed_dose); these are the rules order entry applies to them and to every other order."""

from __future__ import annotations

from typing import Any

from server.clinical.products import Catalog
from server.clinical.rounding import format_number, round_half_up

MAX_RATE_ML_H = 1000.0  # the fastest a volume over a time may run, as for every other mL/h in an order
MIN_RATE_ML_H = 1.0  # slower is a slip (1 typed for 1 L), and would round to no pump rate
# What each field is called in an error that says to leave it empty or to fill it in.
FIELD_WORDS = {"dose_g_per_kg": "the dose in g/kg", "steps_ml_h": "the steps", "step_interval_min": "the step interval",
               "volume_ml": "the volume", "duration_min": "the time", "rate_cap_ml_h": "the rate cap"}
TO_ENTER = {"volume_ml": "enter the volume to give, in mL (e.g. 500)",
            "duration_min": "enter the time to give it over, in minutes (e.g. 120)"}


def is_volume_order(catalog: Catalog, product_id: str | None) -> bool:
    """The product is ordered as a volume over a time (order kind fixed_dose): no g/kg dose, no titration."""
    return product_id is not None and catalog.order_kind(product_id) == "fixed_dose"


def ivig_only(field: str) -> ValueError:
    """The error for an IVIG-style field (g/kg dose, steps, step interval) filled in on a volume order."""
    return ValueError(f"leave {FIELD_WORDS[field]} empty: it belongs to IVIG-style orders; "
                      "a hydration order gives the volume and the time")


def volume_field(field: str, value: float | None, *, volume_order: bool) -> float | None:
    """`volume_ml` or `duration_min` as the order's kind wants it: required on a volume order, empty on others."""
    if not volume_order:
        if value is not None:
            raise ValueError(f"leave {FIELD_WORDS[field]} empty: only a hydration order is written as a volume "
                             "over a time; this product's order gives the dose in g/kg")
        return None
    if value is None:
        raise ValueError(TO_ENTER[field])
    return value


def rate_ml_h(volume_ml: float, duration_min: float) -> float:
    """The rate the pump runs at: volume ÷ time."""
    return volume_ml / duration_min * 60


def rate_text(volume_ml: float, duration_min: float) -> str:
    """The pump rate as the tablet and the engine show it: mL/h, half up to 0.1 ("56.3")."""
    return format_number(round_half_up(rate_ml_h(volume_ml, duration_min), 1), 1)


def check_rate(volume_ml: float, duration_min: int) -> None:
    """No label bounds a volume order's rate, so it stays within what every order's mL/h may be (compared
    without dividing: 1000 mL over 60 min is 1000 mL/h exactly)."""
    rate = rate_ml_h(volume_ml, duration_min)
    if volume_ml * 60 > MAX_RATE_ML_H * duration_min:
        raise ValueError(f"{format_number(volume_ml)} mL over {duration_min} min runs at {format_number(rate)} mL/h, "
                         f"above {format_number(MAX_RATE_ML_H)} mL/h: give a longer time")
    if volume_ml * 60 < MIN_RATE_ML_H * duration_min:
        raise ValueError(f"{format_number(volume_ml)} mL over {duration_min} min runs at {format_number(rate, 2)} mL/h, "
                         f"below {format_number(MIN_RATE_ML_H)} mL/h: check the volume and the time")


def grams(catalog: Catalog, product_id: str, volume_ml: float) -> float:
    """Grams ordered, exactly volume × concentration and unrounded: the clinical engine compares grams given
    with grams ordered to 0.01, and a rounded order would raise a false "dose exceeded"."""
    return volume_ml * catalog.product(product_id).concentration_mg_ml / 1000


def dose_given(order: Any, infusion: dict[str, Any]) -> tuple[float, float | None, str]:
    """(given, ordered, unit) in the order's own unit: mL of a volume order, else grams of product."""
    if getattr(order, "volume_ml", None) is not None:
        return infusion["volume_given_ml"], order.volume_ml, "mL"
    return infusion["grams_given"], infusion.get("grams_ordered"), "g"
