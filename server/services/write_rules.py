"""What a user may write, whatever the door: the one decision for a tablet's push and a desk form.

A desk action is a push too (`desk_events`), so `ServerPolicy.judge` asks these questions of every
event that reaches the log:
- may this role write this kind (`written_by` in rules.json `entry_authority`);
- may this user amend or void the entry a correction points at (the same table: its author only,
  signatures and sign-offs never);
- may this review entry be recorded on the visit in its current status (the desk's rule: a sign-off
  on a completed, signed or reopened visit; an intervention also on a reviewed one), and does a sign-off
  say the visit's alerts were reviewed, all of them;
- does the visit have room for it (`MAX_VISIT_EVENTS`).
A correction whose target is not on the server yet is accepted: arrival order is not clinical order,
and the fold applies a correction only when its author wrote the target, so it can never rewrite
someone else's entry once that arrives.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from server.clinical.rulebook import CORRECTION_ACTIONS, EntryAuthority
from server.db.models import Role, User, Visit, VisitStatus
from server.services import visits
from sync.models import Event
from sync.policy import Candidate, Refusal
from sync.protocol import MAX_VISIT_EVENTS

SIGNABLE = (VisitStatus.COMPLETED, VisitStatus.SIGNED, VisitStatus.REOPENED)
INTERVENABLE = (*SIGNABLE, VisitStatus.REVIEWED)
STATUS_GATES: dict[str, tuple[VisitStatus, ...]] = {"review.signed": SIGNABLE, "review.intervention": INTERVENABLE}

_ROLE_TEXT = {
    Role.NURSE: "Only a pharmacist records review entries.",
    Role.PHARMACIST: "A pharmacist records review entries, notes and corrections of their own entries, "
                     "not visit entries.",
    Role.PHYSICIAN: "Physicians read visits; they do not write entries.",
}
_CORRECTION_TEXT = {
    "not_author": "Only the person who recorded an entry can amend or void it, so this correction was kept "
                  "aside. Add a note instead, or ask the entry's author to correct it.",
    "not_correctable": "Signatures, sign-offs and voids cannot be amended or voided, so this correction was "
                       "kept aside. Add a new entry instead.",
}


def authority() -> EntryAuthority:
    return visits.rulebook().entry_authority


def role_refusal(user: User, kind: str) -> Refusal | None:
    if authority().may_write(user.role, kind):
        return None
    return Refusal("not_allowed", _ROLE_TEXT.get(user.role, "Your role does not write visit entries."))


def status_refusal(kind: str, status: VisitStatus) -> Refusal | None:
    """Why a review entry of `kind` may not be recorded on a visit in `status` (the desk shows the same)."""
    if kind not in STATUS_GATES or status in STATUS_GATES[kind]:
        return None
    if kind == "review.signed":
        return Refusal("not_signable", f"This visit is {status}; only a completed, signed or reopened visit "
                                       "can be signed off.")
    return Refusal("not_intervenable", f"Interventions are recorded on finished visits; this one is {status}.")


def unreviewed_refusal(candidate: Candidate, alerts: list[Any]) -> Refusal | None:
    """A sign-off records how many of the visit's alerts the pharmacist reviewed (`alerts_reviewed`); one
    saying fewer than the visit has is refused, from the desk's tick or an API client's push alike (a walk
    released a grade 2 reaction's visit with three warnings in one click)."""
    if candidate.kind != "review.signed" or not alerts:
        return None
    reviewed = candidate.payload.get("alerts_reviewed") or 0
    if reviewed >= len(alerts):
        return None
    critical = sum(1 for alert in alerts if alert.severity == "critical")
    counted = f"{len(alerts)} alert(s){f', {critical} critical' if critical else ''}"
    return Refusal("alerts_unreviewed", f"This visit has {counted} and this sign-off says {reviewed} were reviewed "
                                        "(alerts_reviewed). Review them all, then sign off again.")


VISIT_FULL = Refusal("visit_full", f"This visit holds {MAX_VISIT_EVENTS:,} entries, the most one visit may hold (a six-hour "
                                   "infusion records about 100), so this entry was kept aside: the pharmacy can see it.")


def full_visit_refusals(candidates: list[Candidate], entries: dict[UUID, int]) -> dict[UUID, Refusal]:
    """The candidates past the most a visit holds, in push order, given each visit's `entries` already
    stored: a bound on what any page, fold or export of one visit reads."""
    room = {visit_id: MAX_VISIT_EVENTS - count for visit_id, count in entries.items()}
    refusals = {}
    for candidate in candidates:
        left = room.get(candidate.visit_id, MAX_VISIT_EVENTS)
        room[candidate.visit_id] = left - 1
        if left <= 0:
            refusals[candidate.id] = VISIT_FULL
    return refusals


async def visit_status(visit: Visit) -> VisitStatus:
    """The status every door judges by (server.services.visits.current_status)."""
    return await visits.current_status(visit)


async def status_refusals(organization_id: int, candidates: list[Candidate]) -> dict[UUID, Refusal]:
    """`status_refusal` for every gated candidate; each visit is folded once."""
    gated = [c for c in candidates if c.kind in STATUS_GATES]
    if not gated:  # a tablet's push, as a rule: no query
        return {}
    statuses: dict[UUID, VisitStatus] = {}
    alerts: dict[UUID, list[Any]] = {}
    signed = {c.visit_id for c in gated if c.kind == "review.signed"}
    for visit in await Visit.filter(id__in=list({c.visit_id for c in gated}), organization_id=organization_id):
        statuses[visit.id] = await visit_status(visit)
        if visit.id in signed:  # the same fold as the status (server/services/folds.py)
            alerts[visit.id] = (await visits.state_of(visit)).alerts
    refusals = {}
    for candidate in gated:
        refusal = (status_refusal(candidate.kind, statuses.get(candidate.visit_id, VisitStatus.SCHEDULED))
                   or unreviewed_refusal(candidate, alerts.get(candidate.visit_id, [])))
        if refusal is not None:
            refusals[candidate.id] = refusal
    return refusals


async def correction_refusals(user: User, candidates: list[Candidate]) -> dict[UUID, Refusal]:
    """Corrections `user` may not make, by the kind and author of their targets (one query per push)."""
    corrections = [c for c in candidates if c.kind in CORRECTION_ACTIONS]
    if not corrections:
        return {}
    targets = {str(c.id): (c.kind, c.visit_id, user.id) for c in candidates}  # this push's own entries
    wanted = [uid for c in corrections if (uid := _uuid(c.payload.get("target_id"))) is not None]
    rows = await Event.filter(id__in=wanted, organization_id=user.organization_id).values(
        "id", "kind", "visit_id", "author_id")
    targets.update({str(row["id"]): (row["kind"], row["visit_id"], row["author_id"]) for row in rows})
    refusals = {}
    for candidate in corrections:
        found = targets.get(str(_uuid(candidate.payload.get("target_id"))))
        if found is None or found[1] != candidate.visit_id:
            continue  # not on the server yet: the fold decides once it arrives
        problem = authority().correction_problem(candidate.kind, found[0], target_author=found[2], corrector=user.id)
        if problem is not None:
            refusals[candidate.id] = Refusal(problem.code, _CORRECTION_TEXT[problem.code])
    return refusals


def _uuid(value: Any) -> UUID | None:
    try:
        return UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None
