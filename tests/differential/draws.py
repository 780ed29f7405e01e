"""The draws of the visit strategies, from Hypothesis or from a seeded `random.Random`.

Every choice is an integer. Under Hypothesis (`@given(visits())`) it comes from a cached `st.integers`
(`st.sampled_from(a_list)` builds and validates a new strategy per call, a list being unhashable), and
Hypothesis can shrink a failing visit; option 0 is what it shrinks towards, so lists put the usual case
first. In bulk (`Seeded`), the same strategy code draws from `random.Random`: Hypothesis' engine costs
about 14 ms of CPU per visit here, 140 s for ten thousand, where a seeded draw costs well under one.
"""

from __future__ import annotations

import random
from typing import Any, Callable, Sequence, TypeVar, Union

from hypothesis import strategies as st

T = TypeVar("T")
_INTEGERS: dict[tuple[int, int], st.SearchStrategy[int]] = {}


class Seeded:
    """A draw function for the strategies' own draws, fed by `random.Random(seed)` (any str/int seed)."""

    def __init__(self, seed: str | int) -> None:
        self.random = random.Random(seed)

    def __call__(self, strategy: Any) -> Any:
        raise TypeError("a Seeded draw only serves draws.integer/pick/chance")


Draw = Union[Callable[[Any], Any], Seeded]


def integer(draw: Draw, low: int, high: int) -> int:
    if isinstance(draw, Seeded):  # randint's argument checks cost more than the rest of a visit
        return low + int(draw.random.random() * (high - low + 1))
    strategy = _INTEGERS.get((low, high))
    if strategy is None:
        strategy = _INTEGERS[(low, high)] = st.integers(low, high)
    return draw(strategy)


def pick(draw: Draw, options: Sequence[T]) -> T:
    return options[integer(draw, 0, len(options) - 1)]


def chance(draw: Draw, one_in: int) -> bool:
    """True once in `one_in` draws (and False when shrunk)."""
    return integer(draw, 0, one_in - 1) == one_in - 1


def subset(draw: Draw, options: Sequence[T], most: int) -> list[T]:
    """Up to `most` distinct options, in the order drawn."""
    chosen: list[T] = []
    for _ in range(integer(draw, 0, most)):
        item = pick(draw, options)
        if item not in chosen:
            chosen.append(item)
    return chosen
