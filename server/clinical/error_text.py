"""Turn pydantic's validation errors into Problems a nurse can read, each naming its field.

Pydantic's own texts ("Input should be a valid boolean") do not say which field, and its error types
may change between versions, so both are translated into ivlog's stable codes, by the table the tablet
reads too (data/schema_words.json `payload_errors`).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from server.clinical.problems import Problem
from server.clinical.ranges import DEFAULT_RANGES
from server.clinical.shapes import WORDS

_ERRORS: dict[str, Any] = WORDS["payload_errors"]  # per pydantic error type: ivlog's code and the text


def _label(loc: tuple[Any, ...]) -> str:
    """"Temperature" for temp_c (from the ranges data), else the path in words ("Notified at")."""
    names = [part for part in loc if isinstance(part, str)]
    if not names:
        return "Entry"
    known = DEFAULT_RANGES.get(names[-1])
    return known.label if known else " ".join(names).replace("_", " ").capitalize()


def _code_and_text(error_type: str) -> tuple[str, str]:
    if error_type in _ERRORS["types"]:
        code, text = _ERRORS["types"][error_type]
        return code, text
    if error_type.startswith(("date_", "datetime_")):
        code, text = _ERRORS["dates"]
        return code, text
    return "wrong_type" if error_type.endswith(("_type", "_parsing")) else "invalid_value", _ERRORS["other"]


def _problem(kind: str, error: dict[str, Any]) -> Problem:
    loc, (code, text) = error["loc"], _code_and_text(error["type"])
    values = {**(error.get("ctx") or {}), "label": _label(loc), "kind": kind, "msg": error["msg"],
              "field": loc[-1] if loc else ""}
    return Problem(".".join(str(part) for part in loc), text.format(**values), code)


def problems_from_validation(kind: str, error: ValidationError) -> list[Problem]:
    """One Problem per pydantic error, with a dotted field path ("notified.0.at")."""
    return [_problem(kind, item) for item in error.errors(include_url=False)]
