"""Apply amendments and voids to a visit's entries without losing anything (CMS PIM ch. 3 §3.3.2.5).

The clinical picture uses each entry's latest valid amendment and leaves voided entries out; the
original payload, every amendment (applied or not) and every void stay in the output. Resolution is by
set, not arrival order: a correction applies whether it sorts before or after its target. Who may correct
which entry is the rule book's `entry_authority` (rulebook.py): a correction by someone other than the
target's author is listed with its problem and never applied, whatever server stored it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from server.clinical.rulebook import EntryAuthority
from server.clinical.clock import format_instant
from server.clinical.context_checks import ALREADY_VOIDED, Target, amended_payload, target_problems
from server.clinical.ordering import Entry
from server.clinical.problems import Problem
from server.clinical.resolutions import apply_resolutions

CORRECTION_KINDS = frozenset({"entry.amended", "entry.voided"})


@dataclass
class Corrections:
    """effective: entries of the clinical picture in fold order, amended payloads applied."""

    effective: list[Entry] = field(default_factory=list)
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    voided: list[dict[str, Any]] = field(default_factory=list)
    issues: list[tuple[str, Problem]] = field(default_factory=list)


def _version(entry: Entry, payload: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "event_id": entry.id, "author_id": entry.author_id, "occurred_at": format_instant(entry.occurred_at),
        "recorded_at": format_instant(entry.recorded_at), "payload": payload, **extra,
    }


def _target(entry: Entry | None) -> Target:
    return None if entry is None else (entry.kind, entry.payload, entry.author_id)


def _voids(ordered: list[Entry], by_id: dict[str, Entry], result: Corrections,
           authority: EntryAuthority) -> dict[str, Entry]:
    """The first valid void of each target, in fold order; later ones are reported."""
    voids: dict[str, Entry] = {}
    for entry in (e for e in ordered if e.kind == "entry.voided"):
        target = by_id.get(entry.payload["target_id"])
        problems = target_problems("entry.voided", _target(target), corrector=entry.author_id, authority=authority)
        if not problems and target is not None and target.id in voids:
            problems = [ALREADY_VOIDED]
        result.issues.extend((entry.id, problem) for problem in problems)
        if not problems and target is not None:
            voids[target.id] = entry
    return voids


def _amend(entry: Entry, by_id: dict[str, Entry], voids: dict[str, Entry], result: Corrections,
           authority: EntryAuthority) -> None:
    target = by_id.get(entry.payload["target_id"])
    amended, problems = amended_payload(entry.payload, _target(target), corrector=entry.author_id, authority=authority)
    result.issues.extend((entry.id, problem) for problem in problems)
    if target is None or target.kind in CORRECTION_KINDS:
        return
    versions = result.history.setdefault(target.id, [_version(target, target.payload, change="original")])
    withdrawn = voids.get(entry.id)
    applied = amended is not None and withdrawn is None
    versions.append(_version(
        entry, amended if applied else entry.payload["payload"], change="amended",
        reason=entry.payload["reason"], applied=applied,
        withdrawn_by=None if withdrawn is None else withdrawn.id,
    ))


def _voided(entry: Entry, void: Entry, amendments: list[dict[str, Any]]) -> dict[str, Any]:
    return {**_version(entry, entry.payload), "kind": entry.kind, "void_event_id": void.id,
            "reason": void.payload["reason"], "voided_by": void.author_id, "amendments": amendments}


def apply_corrections(ordered: list[Entry], authority: EntryAuthority) -> Corrections:
    """Resolve the corrections among `ordered` (fold order) into the visit's clinical picture."""
    result = Corrections()
    by_id = {entry.id: entry for entry in ordered}
    voids = _voids(ordered, by_id, result, authority)
    for entry in (e for e in ordered if e.kind == "entry.amended"):
        _amend(entry, by_id, voids, result, authority)
    for entry in ordered:
        if entry.kind in CORRECTION_KINDS:
            continue
        if entry.id in voids:
            result.voided.append(_voided(entry, voids[entry.id], result.history.get(entry.id, [])))
            continue
        applied = [v for v in result.history.get(entry.id, []) if v.get("applied")]
        result.effective.append(replace(entry, payload=applied[-1]["payload"]) if applied else entry)
    result.effective, resolved = apply_resolutions(result.effective)  # not corrections: entries of their own
    result.issues.extend(resolved)
    return result
