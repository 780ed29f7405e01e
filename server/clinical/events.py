"""Validation of one event's payload on its own, at its kind's current schema (data/payloads.json).

`validate_event` is what the sync policy calls before accepting an event: it lifts an old payload to the
current schema, checks it against the kind's model and returns the normalized payload, or raises
`EventInvalid` listing every problem with a field path, a nurse-readable message and a stable code.
Checks that need the visit's other events are in `context_checks.py`.
"""

from __future__ import annotations

from typing import Any, Mapping

from pydantic import ValidationError

from server.clinical.error_text import problems_from_validation
from server.clinical.payload_checks import cross_problems
from server.clinical.payloads import CURRENT_SCHEMA, PAYLOAD_MODELS
from server.clinical.problems import EventInvalid, Problem
from server.clinical.ranges import Range
from server.clinical.upcasters import oldest_schema, upcast_steps


def upcast(kind: str, schema: int, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload lifted to `CURRENT_SCHEMA[kind]` (a copy); EventInvalid if that is impossible."""
    if kind not in CURRENT_SCHEMA:
        problem = Problem("kind", f"Unknown entry type '{kind}'", "unknown_kind")
        raise EventInvalid("unknown_kind", [problem])
    current = CURRENT_SCHEMA[kind]
    if isinstance(schema, bool) or not isinstance(schema, int) or schema < oldest_schema(kind, current):
        oldest = oldest_schema(kind, current)
        message = f"Entry format {schema!r} of '{kind}' is not supported (the oldest is {oldest})"
        raise EventInvalid("unknown_schema", [Problem("schema", message, "unknown_schema")])
    if schema > current:
        message = (f"This '{kind}' entry was made by a newer app (format {schema}) than the server "
                   f"understands ({current}); it is kept until the server is updated")
        raise EventInvalid("newer_schema", [Problem("schema", message, "newer_schema")])
    if not isinstance(payload, dict):
        problem = Problem("", "The entry's content must be an object", "wrong_type")
        raise EventInvalid("invalid_payload", [problem])
    return upcast_steps(kind, schema, current, payload)


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
