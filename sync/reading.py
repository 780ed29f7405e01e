"""Reading a push: everything about it that can be known without the database.

The body parsed, the envelope checked, every event's id, envelope, content check (the host's
`Policy.check`) and digest. This is most of a push's work, it needs nothing but the body, and
it is the same wherever it runs: here, or in the worker process of `sync.offload`. So this
module imports no database code, and what it returns can be pickled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable
from uuid import UUID

from pydantic import ValidationError

from sync.content import content_sha256, may_hold_unstorable, parse_json, read_candidate
from sync.errors import malformed, too_large
from sync.policy import Candidate, Refusal
from sync.protocol import MAX_BYTES, MAX_EVENTS, PROTOCOL_VERSION, PushRequest

Check = Callable[[Candidate], "Refusal | None"]  # the host's content check (`Policy.check`)
Verdict = tuple[str, "Refusal | None"]  # an event's content digest, and why its content is invalid


@dataclass(frozen=True)
class Prepared:
    """What can be known of a push's events without the database, one entry per event."""

    digests: list[str]
    readings: list[Candidate | Refusal]  # the envelope read and the content checked, or why not


@dataclass(frozen=True)
class Reading:
    """A push read: its envelope, each event's id, and each event prepared."""

    request: PushRequest
    ids: list[UUID]
    prepared: Prepared


def read_body(body: bytes, check: Check, verdicts: list[Verdict] | None = None) -> Reading:
    """A push's body read whole, or the SyncError that refuses it (400, 413). `verdicts`: the
    events' digests and content checks, made already from the same body (`sync.offload`)."""
    request, check_text = read_envelope(body)
    return read_request(request, check, check_text=check_text, verdicts=verdicts)


def read_envelope(body: bytes) -> tuple[PushRequest, bool]:
    """The envelope, and whether the events' text must be checked for unstorable characters."""
    if len(body) > MAX_BYTES:
        raise too_large(f"A push holds at most {MAX_BYTES // (1024 * 1024)} MB; split the batch and send the parts.")
    suspect = may_hold_unstorable(body)
    try:
        return PushRequest.model_validate(parse_json(body, screened=not suspect)), suspect
    except (ValueError, RecursionError, ValidationError) as exc:
        raise malformed(f"The push envelope is malformed: {_first_error(exc)}") from None


def read_request(request: PushRequest, check: Check, *, check_text: bool = True,
                 verdicts: list[Verdict] | None = None) -> Reading:
    """`check_text=False`: the raw body was screened and no text in it can hold an unstorable
    character (`sync.content.may_hold_unstorable`)."""
    if request.protocol != PROTOCOL_VERSION:
        raise malformed(f"Protocol {request.protocol} is not spoken here (this server speaks {PROTOCOL_VERSION}).")
    if len(request.events) > MAX_EVENTS:
        raise too_large(f"A push holds at most {MAX_EVENTS} events; split the batch and send the parts.")
    ids = _event_ids(request.events)
    return Reading(request, ids, prepare(request.events, ids, check, check_text=check_text, verdicts=verdicts))


def verdicts_of(body: bytes, check: Check) -> list[Verdict]:
    """Each event's digest and content check: the costly part of reading a body, and a small
    answer (a string and, for an invalid event, its refusal) to send back from a worker."""
    prepared = read_body(body, check).prepared
    return [(digest, reading if isinstance(reading, Refusal) else None)
            for digest, reading in zip(prepared.digests, prepared.readings)]


def prepare(raws: list[dict[str, Any]], ids: list[UUID], check: Check, *, check_text: bool,
            verdicts: list[Verdict] | None = None) -> Prepared:
    """`check_text=False`: the body was screened, no event holds unstorable text."""
    visit_ids: dict[Any, UUID] = {}  # the batch's events share a few visits: parse each id once
    readings: list[Candidate | Refusal] = []
    for index, (raw, event_id) in enumerate(zip(raws, ids)):
        reading = read_candidate(raw, event_id, check_text=check_text, visit_ids=visit_ids)
        if not isinstance(reading, Refusal):
            reading = (verdicts[index][1] if verdicts is not None else check(reading)) or reading
        readings.append(reading)
    if verdicts is not None:
        return Prepared([digest for digest, _ in verdicts], readings)
    return Prepared([content_sha256(raw) for raw in raws], readings)


def _event_ids(events: list[dict[str, Any]]) -> list[UUID]:
    """Every event needs a readable id and device_seq, or the whole push is malformed."""
    ids = []
    for index, raw in enumerate(events):
        if raw.__class__ is not dict:
            raise malformed(f"Event {index} is not an object.")
        try:
            ids.append(UUID(raw["id"]))
            seq = raw["device_seq"]
        except (KeyError, ValueError, TypeError, AttributeError):
            raise malformed(f"Event {index} has no valid id.") from None
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise malformed(f"Event {index} has no valid device_seq (a whole number from 1).")
    return ids


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
    return "not valid UTF-8 JSON"
