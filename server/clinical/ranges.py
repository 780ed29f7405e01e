"""Plausible ranges for entered numbers, read from data so an organization can override them.

A value outside its range is an entry error (a slip of the finger), rejected with a message that names
the field, the value and the range: "Temperature 53 °C is outside 32–43 °C".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from server.clinical.rounding import format_number
from server.clinical.shapes import checker, data_file

@dataclass(frozen=True)
class Range:
    """Bounds of one field (data/ranges.schema.json $defs.range); inclusive unless marked exclusive."""

    label: str
    unit: str
    min: float
    max: float
    min_exclusive: bool = False
    max_exclusive: bool = False

    def contains(self, value: float) -> bool:
        above = value > self.min if self.min_exclusive else value >= self.min
        below = value < self.max if self.max_exclusive else value <= self.max
        return above and below

    def violation(self, value: float) -> str | None:
        """The nurse-facing message when `value` is outside, else None (NaN is always outside): "Temperature
        53 °C is outside 32–43 °C", or "... must be more than 0 mL/h and at most 999 mL/h"."""
        if self.contains(value):
            return None
        shown = format_number(value, 3) if value == value else "not a number"
        low, high = format_number(self.min, 3), format_number(self.max, 3)
        if not (self.min_exclusive or self.max_exclusive):
            return f"{self.label} {shown}{self.unit} is outside {low}–{high}{self.unit}"
        low_word = "more than" if self.min_exclusive else "at least"
        high_word = "less than" if self.max_exclusive else "at most"
        return f"{self.label} {shown}{self.unit} must be {low_word} {low}{self.unit} and {high_word} {high}{self.unit}"


def load_ranges(data: Mapping[str, Any] | None = None) -> dict[str, Range]:
    """Ranges keyed by field name, from `data` (same shape as data/ranges.json) or the packaged file."""
    checked = checker("ranges")(data_file("ranges.json") if data is None else data, "ranges")
    return {name: Range(**row) for name, row in checked["fields"].items()}


DEFAULT_RANGES: dict[str, Range] = load_ranges()
