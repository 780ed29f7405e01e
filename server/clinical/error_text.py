"""Turn pydantic's validation errors into Problems a nurse can read, each naming its field.

Pydantic's own texts ("Input should be a valid boolean") do not say which field, and its error types
may change between versions, so both are translated here into ivlog's stable codes.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from server.clinical.problems import Problem
from server.clinical.ranges import DEFAULT_RANGES

_CODES = {
    "missing": "missing",
    "extra_forbidden": "extra_field",
    "string_too_long": "too_long",
    "too_long": "too_long",
    "string_too_short": "too_short",
    "too_short": "too_short",
    "literal_error": "not_allowed",
    "out_of_range": "out_of_range",
    "string_pattern_mismatch": "invalid_value",
    "finite_number": "wrong_type",
    "timezone_aware": "wrong_type",
}


def _code(error_type: str) -> str:
    if error_type in _CODES:
        return _CODES[error_type]
    if error_type.endswith(("_type", "_parsing")) or error_type.startswith(("date_", "datetime_")):
        return "wrong_type"
    return "invalid_value"


_TYPE_TEXT = {
    "bool_type": "must be true or false",
    "float_type": "must be a number",
    "int_type": "must be a whole number",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "finite_number": "must be a finite number",
    "timezone_aware": "must include a UTC offset",
    "string_pattern_mismatch": "is not in the expected format",
}


def _label(loc: tuple[Any, ...]) -> str:
    """"Temperature" for temp_c (from the ranges data), else the path in words ("Notified at")."""
    names = [part for part in loc if isinstance(part, str)]
    if not names:
        return "Entry"
    known = DEFAULT_RANGES.get(names[-1])
    return known.label if known else " ".join(names).replace("_", " ").capitalize()


def _message(kind: str, error: dict[str, Any]) -> str:
    label, ctx, error_type = _label(error["loc"]), error.get("ctx") or {}, error["type"]
    if error_type == "out_of_range":
        return error["msg"]
    if error_type == "missing":
        return f"{label} is required"
    if error_type == "extra_forbidden":
        return f"'{error['loc'][-1]}' is not a field of a '{kind}' entry"
    unit = "characters" if error_type.startswith("string") else "items"
    if error_type in ("string_too_long", "too_long"):
        return f"{label} is too long (at most {ctx.get('max_length')} {unit})"
    if error_type in ("string_too_short", "too_short"):
        return f"{label} is too short (at least {ctx.get('min_length')} {unit})"
    if error_type == "literal_error":
        return f"{label} must be one of {ctx.get('expected')}"
    if error_type in _TYPE_TEXT:
        return f"{label} {_TYPE_TEXT[error_type]}"
    if error_type.startswith(("date_", "datetime_")):
        return f"{label} must be a date (YYYY-MM-DD) or a time with a UTC offset"
    return f"{label}: {error['msg']}"


def problems_from_validation(kind: str, error: ValidationError) -> list[Problem]:
    """One Problem per pydantic error, with a dotted field path ("notified.0.at")."""
    return [
        Problem(".".join(str(part) for part in item["loc"]), _message(kind, item), _code(item["type"]))
        for item in error.errors(include_url=False)
    ]
