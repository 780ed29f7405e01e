"""Checks that need the visit's other events: is this event possible given what came before it?

Used by the sync policy after `validate_event`. The answer depends on which events have arrived, so it
is order-dependent by nature; the caller decides whether a problem means quarantine. "Before" is the
fold's order (clinical time first), so a late entry is judged where it belongs clinically.
"""

from __future__ import annotations

from typing import Any

from server.clinical.rulebook import EntryAuthority, packaged_authority
from server.clinical.events import validate_event
from server.clinical.infusion import INFUSION_KINDS, PumpState, misfit, transition
from server.clinical.ordering import sort_key
from server.clinical.problems import EventInvalid, Problem

ALREADY_VOIDED = Problem("target_id", "The entry to correct has already been voided", "already_voided")

Target = tuple[str, dict[str, Any], Any] | None  # (kind, payload, author_id) of the entry a correction points at


def context_problems(event: dict[str, Any], prior_events: list[dict[str, Any]],
                     authority: EntryAuthority | None = None) -> list[Problem]:
    """Problems of a validated event against the other events of its visit (others are ignored).
    Who may correct what is the rule book's `entry_authority` (the packaged one by default)."""
    visit = [e for e in prior_events if e.get("visit_id") == event.get("visit_id") and e["id"] != event["id"]]
    voided = {e["payload"]["target_id"] for e in visit if e["kind"] == "entry.voided"}
    if event["kind"] in INFUSION_KINDS:  # each order's pump on its own (an event without order_id: the primary)
        pump = event["payload"].get("order_id")
        return _infusion_problems(event, [e for e in visit if e["id"] not in voided and (
            e["kind"] not in INFUSION_KINDS or e["payload"].get("order_id") == pump)])
    if event["kind"] not in ("entry.amended", "entry.voided"):
        return []
    target_id = event["payload"]["target_id"]
    found = next(((e["kind"], e["payload"], e.get("author_id")) for e in visit if e["id"] == target_id), None)
    who = {"corrector": event.get("author_id"), "authority": authority or packaged_authority()}
    problems = (amended_payload(event["payload"], found, **who)[1] if event["kind"] == "entry.amended"
                else target_problems("entry.voided", found, **who))
    if not problems and target_id in voided:
        problems = [ALREADY_VOIDED]
    return problems


def _infusion_problems(event: dict[str, Any], live: list[dict[str, Any]]) -> list[Problem]:
    state: PumpState = "idle"
    key = sort_key(event)
    for prior in sorted((e for e in live if sort_key(e) < key), key=sort_key):
        state = transition(state, prior["kind"]).state
    code = transition(state, event["kind"]).problem
    return [] if code is None else [misfit(code)]


def target_problems(correction_kind: str, target: Target, *, corrector: Any,
                    authority: EntryAuthority) -> list[Problem]:
    """Why a correction by `corrector` cannot apply to its target (empty when it can)."""
    if target is None:
        return [Problem("target_id", "The entry to correct is not part of this visit", "unknown_target")]
    problem = authority.correction_problem(correction_kind, target[0], target_author=target[2], corrector=corrector)
    return [] if problem is None else [problem]


def amended_payload(payload: dict[str, Any], target: Target, *, corrector: Any,
                    authority: EntryAuthority) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The amendment's payload validated against its target's kind, or the problems that prevent it
    (among them: `corrector` may not amend this target, by `authority`)."""
    problems = target_problems("entry.amended", target, corrector=corrector, authority=authority)
    if problems or target is None:
        return None, problems
    kind, original, _ = target
    try:
        amended = validate_event(kind, payload.get("payload_schema", 1), payload["payload"])
    except EventInvalid as error:
        return None, [Problem(_inner_field(p.field), p.message, p.code) for p in error.problems]
    if kind == "visit.started" and amended["patient_id"] != original["patient_id"]:
        message = "An amendment cannot move a visit to another patient"
        return None, [Problem("payload.patient_id", message, "patient_changed")]
    return amended, []


def _inner_field(field: str) -> str:
    if field == "schema":
        return "payload_schema"
    return f"payload.{field}" if field else "payload"
