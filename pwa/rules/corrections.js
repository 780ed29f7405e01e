// Amendments and voids, applied without losing anything (port of server/clinical/corrections.py and the
// correction checks of context_checks.py; CMS PIM ch. 3 §3.3.2.5). The clinical picture uses each
// entry's latest valid amendment and leaves voided entries out; the original payload, every amendment
// (applied or not) and every void stay in the output. Resolution is by set, not arrival order. Who may
// correct which entry is the rule book's `entry_authority` (server/clinical/rulebook.py): a correction
// by anyone but the target's author is listed with its problem, never applied.

import { formatInstant } from './clock.js';
import { validateEvent } from './events.js';
import { EventInvalid, problem } from './problems.js';
import { applyResolutions } from './resolutions.js';

const CORRECTION_KINDS = new Set(['entry.amended', 'entry.voided']);
const ACTION = { 'entry.amended': 'amend', 'entry.voided': 'void' };
const ALREADY_VOIDED = problem('target_id', 'The entry to correct has already been voided', 'already_voided');

function targetProblems(correction, target, authority) {
  if (target === null) {
    return [problem('target_id', 'The entry to correct is not part of this visit', 'unknown_target')];
  }
  const row = authority.kinds[target.kind];
  if (!row || row[ACTION[correction.kind]] === 'never') {
    const message = `A '${target.kind}' entry cannot be corrected this way; add a new entry instead`;
    return [problem('target_id', message, 'not_correctable')];
  }
  if (target.author_id !== correction.author_id) {
    const message = 'Only the person who recorded an entry can correct it; add a new entry instead';
    return [problem('target_id', message, 'not_author')];
  }
  return [];
}

// A problem's field inside the amendment: its payload, or the schema the payload is written in.
const innerField = (field) => (field === 'schema' ? 'payload_schema' : field ? `payload.${field}` : 'payload');

// {amended, problems}: the amendment's payload validated against its target's kind, or why not.
function amendedPayload(entry, target, ranges, authority) {
  const { payload } = entry;
  const problems = targetProblems(entry, target, authority);
  if (problems.length || target === null) return { amended: null, problems };
  let amended;
  try {
    amended = validateEvent(target.kind, payload.payload_schema ?? 1, payload.payload, ranges);
  } catch (error) {
    if (!(error instanceof EventInvalid)) throw error;
    return { amended: null, problems: error.problems.map((p) => problem(innerField(p.field), p.message, p.code)) };
  }
  if (target.kind === 'visit.started' && amended.patient_id !== target.payload.patient_id) {
    const message = 'An amendment cannot move a visit to another patient';
    return { amended: null, problems: [problem('payload.patient_id', message, 'patient_changed')] };
  }
  return { amended, problems: [] };
}

function version(entry, payload, extra = {}) {
  return {
    event_id: entry.id, author_id: entry.author_id, occurred_at: formatInstant(entry.occurred_ms),
    recorded_at: formatInstant(entry.recorded_ms), payload, ...extra,
  };
}

// The first valid void of each target, in fold order; later ones are reported.
function findVoids(ordered, byId, result, authority) {
  const voids = new Map();
  for (const entry of ordered.filter((e) => e.kind === 'entry.voided')) {
    const target = byId.get(entry.payload.target_id) ?? null;
    let problems = targetProblems(entry, target, authority);
    if (!problems.length && target !== null && voids.has(target.id)) problems = [ALREADY_VOIDED];
    problems.forEach((p) => result.issues.push([entry.id, p]));
    if (!problems.length && target !== null) voids.set(target.id, entry);
  }
  return voids;
}

function amend(entry, byId, voids, result, ranges, authority) {
  const target = byId.get(entry.payload.target_id) ?? null;
  const { amended, problems } = amendedPayload(entry, target, ranges, authority);
  problems.forEach((p) => result.issues.push([entry.id, p]));
  if (target === null || CORRECTION_KINDS.has(target.kind)) return;
  if (!result.history.has(target.id)) {
    result.history.set(target.id, [version(target, target.payload, { change: 'original' })]);
  }
  const withdrawn = voids.get(entry.id) ?? null;
  const applied = amended !== null && withdrawn === null;
  result.history.get(target.id).push(version(entry, applied ? amended : entry.payload.payload, {
    change: 'amended', reason: entry.payload.reason, applied, withdrawn_by: withdrawn === null ? null : withdrawn.id,
  }));
}

function voidedRow(entry, voidEntry, amendments) {
  return {
    ...version(entry, entry.payload), kind: entry.kind, void_event_id: voidEntry.id,
    reason: voidEntry.payload.reason, voided_by: voidEntry.author_id, amendments,
  };
}

// {effective, history (Map id -> versions), voided, issues ([event id, problem])} of `ordered`;
// `authority` is the rule book's entry_authority.
export function applyCorrections(ordered, ranges, authority) {
  const result = { effective: [], history: new Map(), voided: [], issues: [] };
  const byId = new Map(ordered.map((entry) => [entry.id, entry]));
  const voids = findVoids(ordered, byId, result, authority);
  ordered.filter((e) => e.kind === 'entry.amended').forEach((e) => amend(e, byId, voids, result, ranges, authority));
  for (const entry of ordered) {
    if (CORRECTION_KINDS.has(entry.kind)) continue;
    const history = result.history.get(entry.id) ?? [];
    if (voids.has(entry.id)) {
      result.voided.push(voidedRow(entry, voids.get(entry.id), history));
      continue;
    }
    const applied = history.filter((v) => v.applied);
    result.effective.push(applied.length ? { ...entry, payload: applied.at(-1).payload } : entry);
  }
  const resolved = applyResolutions(result.effective);  // not corrections: entries of their own
  result.effective = resolved.effective;
  result.issues.push(...resolved.issues);
  return result;
}
