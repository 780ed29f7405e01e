"""The common base of every event payload: closed shape, bounded text, numbers checked against ranges.

Payloads come from tablets that may be old, buggy or tampered with, so a payload is a closed record:
unknown fields are refused (extra="forbid"), booleans must be real booleans, text is bounded, and
every number whose field name appears in the ranges data is checked against its plausible range.
Checks that need two fields of one payload live in each model's `cross_problems()`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Strict, StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from server.clinical.problems import Problem
from server.clinical.ranges import DEFAULT_RANGES

Id = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Name = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ShortText = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Number = Annotated[float, Strict()]
Count = Annotated[int, Strict()]


class Payload(BaseModel):
    """Base of all payload models."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _within_plausible_range(cls, value: Any, info: ValidationInfo) -> Any:
        if value.__class__ is not int and value.__class__ is not float:  # text, flags, lists: most fields
            return value
        ranges = (info.context or {}).get("ranges", DEFAULT_RANGES)
        bounds = ranges.get(info.field_name or "")
        if bounds is None:
            return value
        message = bounds.violation(value)
        if message is not None:
            raise PydanticCustomError("out_of_range", "{message}", {"message": message})
        return value

    def cross_problems(self) -> list[Problem]:
        """Problems that involve more than one field of this payload (none by default)."""
        return []
