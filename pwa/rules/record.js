// The documentation side of the visit as JSON-ready tables (port of server/clinical/record.py): vital
// signs, reactions, medications, lots, the line, education, notes, signatures, reviews, and every
// entry with its correction history.

import { formatInstant, minutesBetween } from './clock.js';
import { ofKind } from './picture.js';
import { roundHalfUp } from './rounding.js';
import { suggestedActions } from './rulebook.js';

// An entry as a row: its id, clinical time, author and (effective) payload fields.
export function entryOut(entry) {
  return { event_id: entry.id, at: formatInstant(entry.occurred_ms), author_id: entry.author_id, ...entry.payload };
}

export function vitalsOut(picture) {
  return picture.vitals.map((point) => ({
    ...entryOut(point.entry), phase: point.phase, rate_ml_h: point.rate_ml_h, step_index: point.step_index,
  }));
}

export function baselineOut(picture) {
  return Object.fromEntries(Object.entries(picture.baseline)
    .map(([name, found]) => [name, { value: found.value, event_id: found.event_id }]));
}

export function reactionsOut(picture) {
  return ofKind(picture, 'reaction.observed').map((reaction) => {
    const tier = suggestedActions(picture.context.rulebook, reaction.payload.grade);
    const suggested = tier === null ? null : { tier: tier.tier, when: tier.when, actions: [...tier.actions] };
    return { ...entryOut(reaction), rate_ml_h: picture.infusion.rate_at.get(reaction.id), suggested };
  });
}

// Every medication given; a premedication also shows its lead time before the first start.
export function medicationsOut(picture) {
  const start = picture.infusion.first_start;
  return ofKind(picture, 'medication.given').map((given) => {
    const premed = given.payload.purpose === 'premed' && start !== null;
    const lead = premed ? roundHalfUp(minutesBetween(given.occurred_ms, start), 1) : null;
    return { ...entryOut(given), lead_min: lead };
  });
}

// Each vial or bag opened, for recall tracing; `new_lot` marks a lot not opened before.
export function lotsOut(picture) {
  const seen = new Set();
  return ofKind(picture, 'product.opened').map((opened) => {
    const lot = JSON.stringify([opened.payload.product_id, opened.payload.lot]);
    const row = { ...entryOut(opened), new_lot: !seen.has(lot) };
    seen.add(lot);
    return row;
  });
}

// The access device: placements, site checks, and the last outcome (removed or left in place).
export function lineOut(picture) {
  const outcomes = picture.entries.filter((e) => e.kind === 'line.removed' || e.kind === 'line.left_in_place');
  const last = outcomes.at(-1);
  return {
    placed: ofKind(picture, 'line.placed').map(entryOut),
    assessments: ofKind(picture, 'line.assessed').map(entryOut),
    outcome: last === undefined ? null : { ...entryOut(last), outcome: last.kind.slice('line.'.length) },
  };
}

export function rowsOf(picture, ...kinds) {
  return picture.entries.filter((e) => kinds.includes(e.kind)).map((e) => ({ ...entryOut(e), kind: e.kind }));
}

// Every entry of the clinical picture with its history: the original first, then each amendment.
export function entriesOut(corrections) {
  return corrections.effective.map((e) => {
    const history = corrections.history.get(e.id) ?? [];
    return {
      event_id: e.id, kind: e.kind, occurred_at: formatInstant(e.occurred_ms),
      recorded_at: formatInstant(e.recorded_ms),
      author_id: e.author_id, payload: e.payload, amended: history.some((v) => v.applied), history,
    };
  });
}
