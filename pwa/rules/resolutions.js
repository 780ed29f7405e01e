// A reaction's resolution is an entry of its own (`reaction.resolved`), beside the reaction, not a
// correction of it (port of server/clinical/resolutions.py). The fold reads a reaction named by a
// resolution at or after it as resolved; one naming no earlier reaction of the visit is an issue.

import { problem } from './problems.js';

const NOT_A_REACTION = problem('reaction_id', 'The reaction this resolves is not an earlier reaction of this visit',
  'unknown_reaction');

// {effective, issues}: `effective` (fold order, corrections applied) with each resolved reaction's outcome "resolved"
// and `outcome_recorded` the one its entry holds.
export function applyResolutions(effective) {
  const reactions = new Map(effective.filter((e) => e.kind === 'reaction.observed').map((e) => [e.id, e]));
  const resolved = new Set(), issues = [];
  for (const entry of effective.filter((e) => e.kind === 'reaction.resolved')) {
    const reaction = reactions.get(entry.payload.reaction_id);
    if (reaction === undefined || reaction.rank > entry.rank) issues.push([entry.id, NOT_A_REACTION]);
    else resolved.add(reaction.id);
  }
  if (!resolved.size) return { effective, issues };
  // the outcome she recorded stays beside it (a walk's review read "resolved" where she had seen "improving")
  return { effective: effective.map((e) => (resolved.has(e.id)
    ? { ...e, payload: { ...e.payload, outcome: 'resolved', outcome_recorded: e.payload.outcome } } : e)), issues };
}
