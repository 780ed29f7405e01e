"""The pydantic model of every event payload, built from data/payloads.json (the tablet reads the same file).

The fields are data so the server and the tablet cannot drift apart: adding a field or a kind is a change
to payloads.json (and its vectors), not to two codebases. Payloads come from tablets that may be old,
buggy or tampered with, so every model is a closed record: unknown fields are refused, booleans must be
real booleans, text is bounded, and every number whose field name appears in the ranges data is checked
against its plausible range. Checks that need two fields of one payload are code (`payload_checks.py`).
"""

from __future__ import annotations

import json
import re
from datetime import date
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import (AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, Strict, StrictBool,
                      StringConstraints, ValidationInfo, create_model)
from pydantic_core import PydanticCustomError

from server.clinical.ranges import DEFAULT_RANGES

PAYLOADS_DOC: dict[str, Any] = json.loads(
    resources.files("server.clinical").joinpath("data/payloads.json").read_text("utf-8"))


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


# The types named in payloads.json that are not declared there: numbers carry the range check.
BUILT_IN: dict[str, Any] = {
    "Number": Annotated[float, Strict(), AfterValidator(_within_plausible_range)],
    "Count": Annotated[int, Strict(), AfterValidator(_within_plausible_range)],
    "Bool": StrictBool, "Date": date, "AwareDatetime": AwareDatetime, "Object": dict[str, Any],
}


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


def _type(spec: Any, named: dict[str, Any]) -> Any:
    """The annotation of a type of payloads.json: a name, {choices}, {text} or {list, min, max}."""
    if isinstance(spec, str):
        return named[spec]
    if "choices" in spec:
        return Literal[tuple(spec["choices"])]
    if "text" in spec:
        text = spec["text"]
        bounds = StringConstraints(strip_whitespace=text.get("strip", True), min_length=text.get("min"),
                                   max_length=text.get("max"), pattern=text.get("pattern"))
        return Annotated[str, Strict(), bounds]
    return Annotated[list[_type(spec["list"], named)], Field(min_length=spec.get("min"), max_length=spec.get("max"))]


def _field(spec: Any, named: dict[str, Any]) -> tuple[Any, Any]:
    """(annotation, default) of a field: a type alone is required; else {nullable: type} or {type, default}."""
    if isinstance(spec, dict) and "nullable" in spec:
        return _type(spec["nullable"], named) | None, None
    if not isinstance(spec, dict) or "default" not in spec:
        return _type(spec, named), ...
    default = spec["default"]  # an empty list: a new one each time (and no default in the API description)
    return _type(spec["type"], named), Field(default_factory=list) if default == [] else default


def _model(name: str, spec: dict[str, Any], named: dict[str, Any]) -> type[Payload]:
    fields = {field: _field(field_spec, named) for field, field_spec in spec["fields"].items()}
    return create_model(name, __base__=Payload, __doc__=spec["doc"], __module__=__name__, **fields)


def model_name(kind: str) -> str:
    """The model's name in the API description: "line.left_in_place" -> "LineLeftInPlacePayload"."""
    return "".join(part.capitalize() for part in re.split(r"[._]", kind)) + "Payload"


def _models(doc: dict[str, Any]) -> dict[str, type[Payload]]:
    named = dict(BUILT_IN)
    for name, spec in doc["types"].items():
        named[name] = _type(spec, named)
    for name, spec in doc["records"].items():
        named[name] = _model(name, spec, named)
    return {kind: _model(model_name(kind), spec, named) for kind, spec in doc["kinds"].items()}


PAYLOAD_MODELS: dict[str, type[Payload]] = _models(PAYLOADS_DOC)
CURRENT_SCHEMA: dict[str, int] = {kind: spec["schema"] for kind, spec in PAYLOADS_DOC["kinds"].items()}
