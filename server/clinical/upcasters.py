"""Upcasters: lift a payload written at an older schema to the current one, one step at a time.

Events are written once and never rewritten, so a payload stays at the schema its app used. When a kind's
schema changes, add an upcaster from the old number to the next and raise `CURRENT_SCHEMA[kind]`; the
old events then fold exactly like new ones.

All kinds are at schema 1 today. The one registered upcaster is the worked example and the legacy path
for early tablet builds: vitals schema 0 recorded the temperature in Fahrenheit (`temp_f`); schema 1
records `temp_c`.
"""

from __future__ import annotations

from typing import Any, Callable

from server.clinical.rounding import round_half_up

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


def _vitals_0_to_1(payload: dict[str, Any]) -> dict[str, Any]:
    """Legacy vitals: temp_f -> temp_c, rounded half up to 0.1 °C (as the tablet shows it)."""
    lifted = dict(payload)
    temp_f = lifted.get("temp_f")
    if "temp_c" in lifted or isinstance(temp_f, bool) or not isinstance(temp_f, (int, float)):
        return lifted  # not convertible: schema 1 validation reports the leftover field
    del lifted["temp_f"]
    lifted["temp_c"] = round_half_up((temp_f - 32) * 5 / 9, 1)
    return lifted


UPCASTERS: dict[tuple[str, int], Upcaster] = {
    ("vitals", 0): _vitals_0_to_1,
}


def oldest_schema(kind: str, current: int) -> int:
    """The oldest schema number of `kind` that can still be lifted to `current`."""
    schema = current
    while (kind, schema - 1) in UPCASTERS:
        schema -= 1
    return schema


def upcast_steps(kind: str, schema: int, current: int, payload: dict[str, Any]) -> dict[str, Any]:
    """Apply the upcasters from `schema` up to `current`; the caller checks the range first."""
    lifted = dict(payload)
    for step in range(schema, current):
        lifted = UPCASTERS[(kind, step)](lifted)
    return lifted
