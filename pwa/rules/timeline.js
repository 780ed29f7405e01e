// Fold a visit's events into its current state (port of server/clinical/timeline.py): the
// projection the server stores and the tablet shows, rebuilt from the events at any time. The fold is
// order-independent (events are sorted by `events.js` first) and drops nothing: invalid events, voided
// entries, amendments and misfits are all listed in the state. The result has the same keys and values
// as the server's VisitState.to_dict().

import { formatInstant, instantOf, minutesBetween } from './clock.js';
import { evaluateAlerts, FACTS_VERSION } from './alerts.js';
import { applyCorrections } from './corrections.js';
import { compareText, entryFromEvent, inFoldOrder } from './events.js';
import { buildPicture, ofKind, orderPictures } from './picture.js';
import { EventInvalid } from './problems.js';
import { documentationOut, entriesOut, infusionOut, pausesOut, segmentsOut } from './record.js';
import { roundHalfUp } from './rounding.js';
import { nextVitalsDue } from './schedule.js';
import { seriesOut } from './series.js';

// Where the visit stands in its life, and entries that came late (port of server/clinical/timeline.py).
//   late entry         recorded on the device much later than it happened (threshold in rules data)
//   late after review  reached the server (server_seq) after the pharmacist's latest sign-off; it reopens
//                      the visit. Not yet synced (server_seq null) counts as after. The pharmacist's
//                      later intervention reopens it too (it changes the summary released); a sign-off not.

const transportPosition = (entry) => (entry.server_seq === null ? Infinity : entry.server_seq);

// Ids of the entries but sign-offs that reached the server after the latest review.signed.
function lateAfterReview(ordered) {
  const reviews = ordered.filter((e) => e.kind === 'review.signed').map(transportPosition);
  if (!reviews.length) return [];
  const signedAt = Math.max(...reviews);
  return ordered.filter((e) => e.kind !== 'review.signed' && transportPosition(e) > signedAt).map((e) => e.id);
}

// Entries recorded more than `threshold_min` after they happened.
function lateEntries(ordered, threshold_min) {
  const delay = (entry) => minutesBetween(entry.occurred_ms, entry.recorded_ms);
  return ordered.filter((entry) => delay(entry) > threshold_min).map((entry) => ({
    event_id: entry.id, kind: entry.kind, occurred_at: formatInstant(entry.occurred_ms),
    recorded_at: formatInstant(entry.recorded_ms),
    late_min: roundHalfUp(delay(entry), 1),
  }));
}

// scheduled | in_progress | completed | signed | reviewed | reopened.
function visitStatus(effective, reopened) {
  const kinds = new Set(effective.map((entry) => entry.kind));
  if (kinds.has('review.signed')) return reopened ? 'reopened' : 'reviewed';
  if (effective.some((e) => e.kind === 'signature' && e.payload.role === 'nurse')) return 'signed';
  if (kinds.has('visit.ended')) return 'completed';
  return effective.length ? 'in_progress' : 'scheduled';
}

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
    id: protocol.id, kind: protocol.kind, basis: protocol.basis, therapy: protocol.therapy,
    product_id: protocol.product.id, product_name: protocol.product.name,
    rate_unit: protocol.rate_unit, limit_ml_h: limit.ml_h, limit_source: limit.source,
    limit_exclusive: limit.exclusive, verified_on: protocol.verified_on, ladder_note: protocol.ladder_note,
    infusion: protocol.infusion, rates_note: protocol.kind === 'fixed_dose' ? null : picture.context.unrated?.rates_note ?? null,
  };
}

function issuesOut(issues, ordered) {
  const position = new Map(ordered.map((entry, index) => [entry.id, index]));
  const ranked = [...issues].sort(([idA, a], [idB, b]) =>
    (position.get(idA) - position.get(idB)) || compareText(a.code, b.code) || compareText(a.field, b.field));
  return ranked.map(([event_id, p]) => ({ event_id, ...p }));
}

// The visit's state from its sync-log events for this context (makeContext) at `now` (a Date, UTC ms
// or an ISO string; null: the last entry's time). Same keys and values as VisitState.to_dict().
export function foldTimeline(events, context, { now = null } = {}) {
  const { ordered, invalid } = read(events, context.ranges ?? null);
  const corrections = applyCorrections(ordered, context.ranges ?? null, context.rulebook.entry_authority);
  const picture = buildPicture(corrections.effective, context, instantOf(now));
  const reopening = lateAfterReview(ordered);
  const due = nextVitalsDue(picture);
  return {
    visit_id: events.length ? events[0].visit_id ?? null : null,
    status: visitStatus(corrections.effective, reopening.length > 0),
    ...visitTimes(picture),
    protocol: protocolOut(picture), steps: picture.schedule.map((step) => ({ ...step })),
    infusion: infusionOut(picture), segments: segmentsOut(picture), pauses: pausesOut(picture),
    other_orders: orderPictures(picture).map((own, i) => picture.context.orders.runOut(picture.other_runs[i], own)), next_vitals_due_at: due === null ? null : formatInstant(due),
    ...documentationOut(picture),
    alerts: evaluateAlerts(picture), entries: entriesOut(corrections), voided: corrections.voided,
    late_entries: lateEntries(ordered, context.rulebook.late_entry_min), late_after_review: reopening,
    issues: issuesOut([...corrections.issues, ...picture.infusion.issues, ...picture.order_issues,
      ...picture.other_runs.flatMap((run) => run.infusion.issues)], ordered), invalid,
    series: seriesOut(picture), facts_version: FACTS_VERSION,
  };
}
