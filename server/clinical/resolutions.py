"""A reaction's resolution is an entry of its own (`reaction.resolved`): when it subsided, recorded beside
the reaction, not as a correction of it (a walk read "corrected" on a reaction that had only ended, and
only its author could say so).

The fold reads a reaction named by a resolution at or after it as resolved, wherever its outcome is asked
(the advice, the summary, the physician's record), and the reaction is not marked corrected. Any nurse of
the visit may record it (rules.json entry_authority). A resolution naming no earlier reaction of the visit
changes nothing and is listed as an issue.
"""

from __future__ import annotations

from dataclasses import replace

from server.clinical.ordering import Entry
from server.clinical.problems import Problem

NOT_A_REACTION = Problem("reaction_id", "The reaction this resolves is not an earlier reaction of this visit",
                         "unknown_reaction")


def apply_resolutions(effective: list[Entry]) -> tuple[list[Entry], list[tuple[str, Problem]]]:
    """`effective` (fold order, corrections applied) with each resolved reaction's outcome "resolved", and the
    outcome its entry holds as `outcome_recorded`."""
    reactions = {entry.id: entry for entry in effective if entry.kind == "reaction.observed"}
    resolved: set[str] = set()
    issues = []
    for entry in (e for e in effective if e.kind == "reaction.resolved"):
        reaction = reactions.get(entry.payload["reaction_id"])
        if reaction is None or reaction.key > entry.key:
            issues.append((entry.id, NOT_A_REACTION))
        else:
            resolved.add(reaction.id)
    if not resolved:
        return effective, issues
    # the outcome she recorded stays beside it (a walk's review read "resolved" where she had seen "improving")
    return [replace(e, payload={**e.payload, "outcome": "resolved", "outcome_recorded": e.payload["outcome"]})
            if e.id in resolved else e for e in effective], issues
