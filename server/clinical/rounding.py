"""Rounding and number formatting that JavaScript can reproduce exactly.

Python's `round()` rounds halves to even (round(0.125, 2) == 0.12) and JavaScript's `Math.round` rounds
halves up, so the tablet and the server would disagree on a rate shown to the nurse. Both sides use
this one definition instead:

    round_half_up(x, p) = floor(x * 10**p + 0.5 + 1e-9) / 10**p

The 1e-9 guard absorbs binary representation error (1.005 * 100 == 100.49999999999999), so decimal
halves written by people round up as they expect. Values are rounded only at the boundary (shown,
stored or compared), never in the middle of a calculation.
"""

from __future__ import annotations

import math

_EPSILON = 1e-9


def round_half_up(x: float, places: int = 0) -> float:
    """Round half up (towards +infinity) to `places` decimals; JS: Math.floor(x*10**p+0.5+1e-9)/10**p.
    A value too large to scale becomes infinite, NaN stays NaN, as in JavaScript (and no error)."""
    scale = 10**places
    scaled = x * scale + 0.5 + _EPSILON
    if not math.isfinite(scaled):
        return scaled / scale
    return math.floor(scaled) / scale


def format_number(x: float, places: int = 1) -> str:
    """Text for a number in a message: rounded half up, trailing zeros dropped (38.0 -> "38").
    Infinite, NaN and huge values read as JavaScript's toFixed writes them ("Infinity", "1e+300")."""
    rounded = round_half_up(x, places)
    if rounded != rounded or abs(rounded) >= 1e21:
        return _JS_TEXT.get(rounded, "NaN" if rounded != rounded else repr(rounded))
    text = f"{rounded:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


_JS_TEXT = {math.inf: "Infinity", -math.inf: "-Infinity"}
