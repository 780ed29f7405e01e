"""Many visits at once, the same ones every run: case `i` of seed `S` is the visit strategy drawn from
random.Random("S-i"), so any one case can be drawn again on its own by its name."""

from __future__ import annotations

from typing import Any, Iterator

from tests.differential.strategies import seeded_visit

SEED = 20_251_204


def case(seed_value: int, index: int) -> dict[str, Any]:
    return {"name": f"visit-{seed_value}-{index}", **seeded_visit(f"{seed_value}-{index}")}


def generate(count: int, seed_value: int = SEED) -> list[dict[str, Any]]:
    """`count` cases {name, context, events, now}; the same for the same seed."""
    return [case(seed_value, index) for index in range(count)]


def stream(count: int, seed_value: int = SEED) -> Iterator[dict[str, Any]]:
    """The same cases as `generate`, drawn one at a time (ten thousand visits need not sit in memory)."""
    return (case(seed_value, index) for index in range(count))
