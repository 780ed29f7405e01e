"""The common base of every event payload: closed shape, bounded text, numbers checked against ranges.

Payloads come from tablets that may be old, buggy or tampered with, so a payload is a closed record:
unknown fields are refused (extra="forbid"), booleans must be real booleans, text is bounded, and
every number whose field name appears in the ranges data is checked against its plausible range.
Checks that need two fields of one payload live in each model's `cross_problems()`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Strict, StringConstraints, ValidationInfo
from pydantic_core import PydanticCustomError

from server.clinical.problems import Problem
from server.clinical.ranges import DEFAULT_RANGES


def _within_plausible_range(value: float, info: ValidationInfo) -> float:
    """A number whose field name has a plausible range (the organization's, else the defaults)
    must lie inside it: a slip of the finger is refused with a message naming field and range."""
    ranges = (info.context or {}).get("ranges", DEFAULT_RANGES)
    bounds = ranges.get(info.field_name or "")
    if bounds is None:
        return value
    message = bounds.violation(value)
    if message is not None:
        raise PydanticCustomError("out_of_range", "{message}", {"message": message})
    return value


Id = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Name = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ShortText = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
# Every number is checked against its field's plausible range; text and flags need no such call.
Number = Annotated[float, Strict(), AfterValidator(_within_plausible_range)]
Count = Annotated[int, Strict(), AfterValidator(_within_plausible_range)]


class Payload(BaseModel):
    """Base of all payload models."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    def cross_problems(self) -> list[Problem]:
        """Problems that involve more than one field of this payload (none by default)."""
        return []
