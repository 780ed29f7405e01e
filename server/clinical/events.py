"""Validation of one event's payload on its own, at its kind's current schema (data/payloads.json).

`validate_event` is what the sync policy calls before accepting an event: it lifts an old payload to the
current schema, checks it against the kind's model and returns the normalized payload, or raises
`EventInvalid` listing every problem with a field path, a nurse-readable message and a stable code.
Checks that need the visit's other events are in `context_checks.py`.

Events are written once and never rewritten, so a payload stays at the schema its app used. When a kind's
schema changes, add an upcaster from the old number to the next and raise the kind's `schema` in
payloads.json; the old events then fold exactly like new ones. The one registered upcaster is the worked
example and the legacy path for early tablet builds: vitals schema 0 recorded the temperature in
Fahrenheit (`temp_f`); schema 1 records `temp_c`.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from pydantic import ValidationError

from server.clinical.error_text import problems_from_validation
from server.clinical.payload_checks import cross_problems
from server.clinical.payloads import CURRENT_SCHEMA, PAYLOAD_MODELS
from server.clinical.problems import EventInvalid, Problem
from server.clinical.ranges import Range
from server.clinical.rounding import round_half_up


def _vitals_0_to_1(payload: dict[str, Any]) -> dict[str, Any]:
    """Legacy vitals: temp_f -> temp_c, rounded half up to 0.1 °C (as the tablet shows it)."""
    lifted = dict(payload)
    temp_f = lifted.get("temp_f")
    if "temp_c" in lifted or isinstance(temp_f, bool) or not isinstance(temp_f, (int, float)):
        return lifted  # not convertible: schema 1 validation reports the leftover field
    del lifted["temp_f"]
    lifted["temp_c"] = round_half_up((temp_f - 32) * 5 / 9, 1)
    return lifted


UPCASTERS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {
    ("vitals", 0): _vitals_0_to_1,
}


def oldest_schema(kind: str, current: int) -> int:
    """The oldest schema number of `kind` that can still be lifted to `current`."""
    schema = current
    while (kind, schema - 1) in UPCASTERS:
        schema -= 1
    return schema


def upcast(kind: str, schema: int, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload lifted to `CURRENT_SCHEMA[kind]` (a copy); EventInvalid if that is impossible."""
    if kind not in CURRENT_SCHEMA:
        raise EventInvalid("unknown_kind", [Problem("kind", f"Unknown entry type '{kind}'", "unknown_kind")])
    current, oldest = CURRENT_SCHEMA[kind], oldest_schema(kind, CURRENT_SCHEMA[kind])
    if isinstance(schema, bool) or not isinstance(schema, int) or schema < oldest:
        message = f"Entry format {schema!r} of '{kind}' is not supported (the oldest is {oldest})"
        raise EventInvalid("unknown_schema", [Problem("schema", message, "unknown_schema")])
    if schema > current:
        message = (f"This '{kind}' entry was made by a newer app (format {schema}) than the server "
                   f"understands ({current}); it is kept until the server is updated")
        raise EventInvalid("newer_schema", [Problem("schema", message, "newer_schema")])
    if not isinstance(payload, dict):
        raise EventInvalid("invalid_payload", [Problem("", "The entry's content must be an object", "wrong_type")])
    lifted = dict(payload)
    for step in range(schema, current):
        lifted = UPCASTERS[(kind, step)](lifted)
    return lifted


def validate_event(
    kind: str, schema: int, payload: dict[str, Any], *, ranges: Mapping[str, Range] | None = None
) -> dict[str, Any]:
    """The normalized payload at the current schema (JSON-ready, every field present), or EventInvalid."""
    return _validated(kind, schema, payload, ranges).model_dump(mode="json")


def check_event(kind: str, schema: int, payload: dict[str, Any]) -> None:
    """EventInvalid unless the event is valid: `validate_event` without building the normalized copy
    (the sync path checks every event of a push and stores what the tablet sent)."""
    _validated(kind, schema, payload, None)


def _validated(kind: str, schema: int, payload: dict[str, Any], ranges: Mapping[str, Range] | None) -> Any:
    lifted = upcast(kind, schema, payload)
    model_type = PAYLOAD_MODELS[kind]
    context = {} if ranges is None else {"ranges": ranges}
    try:
        model = model_type.model_validate(lifted, context=context)
    except ValidationError as error:
        raise EventInvalid("invalid_payload", problems_from_validation(kind, error)) from None
    problems = cross_problems(kind, model)
    if problems:
        raise EventInvalid("invalid_payload", problems)
    return model
