// Fold a visit's events into its current state (port of server/clinical/timeline.py): the projection
// the server stores and the tablet shows, rebuilt from the events at any time. The fold is
// order-independent (events are sorted by `ordering.js` first) and drops nothing: invalid events, voided
// entries, amendments and misfits are all listed in the state. The result has the same keys and values
// as the server's VisitState.to_dict().

import { formatInstant, instantOf } from './clock.js';
import { evaluateAlerts } from './alerts.js';
import { applyCorrections } from './corrections.js';
import * as summary from './infusion_summary.js';
import { compareText, entryFromEvent, inFoldOrder } from './ordering.js';
import { buildPicture, ofKind } from './picture.js';
import { EventInvalid } from './problems.js';
import * as record from './record.js';
import { nextVitalsDue } from './schedule.js';
import { lateAfterReview, lateEntries, visitStatus } from './status.js';

function checkOneVisit(events) {
  const ids = events.map((event) => event.id);
  if (new Set(ids).size !== ids.length) throw new Error('duplicate event ids: the sync log stores each event once');
  if (new Set(events.map((event) => event.visit_id ?? null)).size > 1) throw new Error('events of more than one visit');
}

// Entries in fold order, and the events whose payload does not validate (kept, listed).
function read(events, ranges) {
  checkOneVisit(events);
  const entries = [];
  const invalid = [];
  inFoldOrder(events).forEach(({ event, key }, rank) => {
    try {
      entries.push(entryFromEvent(event, key, rank, ranges));
    } catch (error) {
      if (!(error instanceof EventInvalid)) throw error;
      invalid.push({ event_id: event.id, kind: event.kind, code: error.code, problems: error.problems });
    }
  });
  return { ordered: entries, invalid };
}

function visitTimes(picture) {
  const started = ofKind(picture, 'visit.started');
  const ended = ofKind(picture, 'visit.ended');
  return {
    time_in: started.length ? formatInstant(started[0].occurred_ms) : null,
    time_out: ended.length ? formatInstant(ended.at(-1).occurred_ms) : null,
    location_verified: started.length ? started[0].payload.location !== null : null,
  };
}

function protocolOut(picture) {
  const { protocol } = picture.context;
  const { limit } = picture;
  return {
    id: protocol.id, kind: protocol.kind, product_id: protocol.product.id, product_name: protocol.product.name,
    rate_unit: protocol.rate_unit, limit_ml_h: limit.ml_h, limit_source: limit.source,
    limit_exclusive: limit.exclusive, verified_on: protocol.verified_on, ladder_note: protocol.ladder_note,
  };
}

function issuesOut(issues, ordered) {
  const position = new Map(ordered.map((entry, index) => [entry.id, index]));
  const ranked = [...issues].sort(([idA, a], [idB, b]) =>
    (position.get(idA) - position.get(idB)) || compareText(a.code, b.code) || compareText(a.field, b.field));
  return ranked.map(([event_id, p]) => ({ event_id, ...p }));
}

function documentation(picture) {
  const reactions = record.reactionsOut(picture);
  const grades = reactions.map((r) => r.grade);
  return {
    vitals: record.vitalsOut(picture), baseline: record.baselineOut(picture), reactions,
    highest_reaction_grade: grades.length ? Math.max(...grades) : null,
    medications: record.medicationsOut(picture), lots: record.lotsOut(picture), line: record.lineOut(picture),
    education: record.rowsOf(picture, 'education'), notes: record.rowsOf(picture, 'note'),
    signatures: record.rowsOf(picture, 'signature'),
    reviews: record.rowsOf(picture, 'review.signed', 'review.intervention'),
  };
}

// The visit's state from its sync-log events for this context (makeContext) at `now` (a Date, UTC ms
// or an ISO string; null: the last entry's time). Same keys and values as VisitState.to_dict().
export function foldTimeline(events, context, { now = null } = {}) {
  const { ordered, invalid } = read(events, context.ranges ?? null);
  const corrections = applyCorrections(ordered, context.ranges ?? null);
  const picture = buildPicture(corrections.effective, context, instantOf(now));
  const reopening = lateAfterReview(ordered);
  const due = nextVitalsDue(picture);
  return {
    visit_id: events.length ? events[0].visit_id ?? null : null,
    status: visitStatus(corrections.effective, reopening.length > 0),
    ...visitTimes(picture),
    protocol: protocolOut(picture), steps: picture.schedule.map((step) => ({ ...step })),
    infusion: summary.infusionOut(picture), segments: summary.segmentsOut(picture),
    pauses: summary.pausesOut(picture), next_vitals_due_at: due === null ? null : formatInstant(due),
    ...documentation(picture),
    alerts: evaluateAlerts(picture), entries: record.entriesOut(corrections), voided: corrections.voided,
    late_entries: lateEntries(ordered, context.rulebook.late_entry_min), late_after_review: reopening,
    issues: issuesOut([...corrections.issues, ...picture.infusion.issues], ordered), invalid,
  };
}

