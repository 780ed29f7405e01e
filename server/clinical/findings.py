"""What a coded rule reports before the engine turns it into an alert: the entries it is about and values.
A rule's code is a function named as its rule id, taking the picture and the rule's row of rules.json."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Mapping, Union

if TYPE_CHECKING:
    from server.clinical.picture import Picture
    from server.clinical.rulebook import RuleSpec

Value = Union[str, float, int]


@dataclass(frozen=True)
class Finding:
    """event_ids[0] is the entry the alert belongs to (its id is "{rule}:{event_ids[0]}")."""

    event_ids: tuple[str, ...]
    values: Mapping[str, Value] = field(default_factory=dict)


Evaluator = Callable[["Picture", "RuleSpec"], list[Finding]]


def by_name(*rules: Evaluator) -> dict[str, Evaluator]:
    """The rules keyed by rule id (each function is named as its rule)."""
    return {rule.__name__: rule for rule in rules}
