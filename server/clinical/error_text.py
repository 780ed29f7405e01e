"""Turn pydantic's validation errors into Problems a nurse can read, each naming its field.

Pydantic's own texts ("Input should be a valid boolean") do not say which field, and its error types
may change between versions, so both are translated here into ivlog's stable codes.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from server.clinical.problems import Problem
from server.clinical.ranges import DEFAULT_RANGES

# Per pydantic error type: ivlog's code and the message ({label}: the field in words; the rest from the
# error's context).
_ERRORS = {
    "missing": ("missing", "{label} is required"),
    "extra_forbidden": ("extra_field", "'{field}' is not a field of a '{kind}' entry"),
    "string_too_long": ("too_long", "{label} is too long (at most {max_length} characters)"),
    "too_long": ("too_long", "{label} is too long (at most {max_length} items)"),
    "string_too_short": ("too_short", "{label} is too short (at least {min_length} characters)"),
    "too_short": ("too_short", "{label} is too short (at least {min_length} items)"),
    "literal_error": ("not_allowed", "{label} must be one of {expected}"),
    "out_of_range": ("out_of_range", "{msg}"),
    "string_pattern_mismatch": ("invalid_value", "{label} is not in the expected format"),
    "finite_number": ("wrong_type", "{label} must be a finite number"),
    "timezone_aware": ("wrong_type", "{label} must include a UTC offset"),
    "bool_type": ("wrong_type", "{label} must be true or false"),
    "float_type": ("wrong_type", "{label} must be a number"),
    "int_type": ("wrong_type", "{label} must be a whole number"),
    "string_type": ("wrong_type", "{label} must be text"),
    "list_type": ("wrong_type", "{label} must be a list"),
    "dict_type": ("wrong_type", "{label} must be an object"),
}


def _label(loc: tuple[Any, ...]) -> str:
    """"Temperature" for temp_c (from the ranges data), else the path in words ("Notified at")."""
    names = [part for part in loc if isinstance(part, str)]
    if not names:
        return "Entry"
    known = DEFAULT_RANGES.get(names[-1])
    return known.label if known else " ".join(names).replace("_", " ").capitalize()


def _code_and_text(error_type: str) -> tuple[str, str]:
    if error_type in _ERRORS:
        return _ERRORS[error_type]
    if error_type.startswith(("date_", "datetime_")):
        return "wrong_type", "{label} must be a date (YYYY-MM-DD) or a time with a UTC offset"
    return "wrong_type" if error_type.endswith(("_type", "_parsing")) else "invalid_value", "{label}: {msg}"


def _problem(kind: str, error: dict[str, Any]) -> Problem:
    loc, (code, text) = error["loc"], _code_and_text(error["type"])
    values = {**(error.get("ctx") or {}), "label": _label(loc), "kind": kind, "msg": error["msg"],
              "field": loc[-1] if loc else ""}
    return Problem(".".join(str(part) for part in loc), text.format(**values), code)


def problems_from_validation(kind: str, error: ValidationError) -> list[Problem]:
    """One Problem per pydantic error, with a dotted field path ("notified.0.at")."""
    return [_problem(kind, item) for item in error.errors(include_url=False)]
