"""A weight as people type it: kilograms, or pounds said as such ("154 lb"). US desks think in pounds; a
walk typed a patient's 154 lb into the kilogram box at admission, where no earlier weight could flag it.
Pounds said are converted (to 0.1 kg); a bare number stays kilograms, as every label says."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

KG_PER_LB = 0.45359237  # the international pound, exactly
TYPED = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(kg|kgs|lb|lbs|pounds?)?\.?\s*", re.IGNORECASE)


def kilograms(value: Any) -> Any:
    """`value` in kilograms when it is a number with an optional unit; anything else as it came, for the
    field's own check to name."""
    if not isinstance(value, str) or (typed := TYPED.fullmatch(value)) is None:
        return value
    number, unit = float(typed[1]), (typed[2] or "kg").lower()
    return round(number * KG_PER_LB, 1) if unit.startswith(("lb", "pound")) else number


WeightKg = Annotated[float, BeforeValidator(kilograms), Field(ge=1, le=300)]
