// Where the visit stands in its life, and entries that came late (port of server/clinical/status.py).
//   late entry         recorded on the device much later than it happened (threshold in rules data)
//   late after review  reached the server (server_seq) after the pharmacist's latest sign-off; it reopens
//                      the visit. Not yet synced (server_seq null) counts as after. The pharmacist's own
//                      review entries never reopen.

import { formatInstant, minutesBetween } from './clock.js';
import { roundHalfUp } from './rounding.js';

const transportPosition = (entry) => (entry.server_seq === null ? Infinity : entry.server_seq);

// Ids of non-review entries that reached the server after the latest review.signed.
export function lateAfterReview(ordered) {
  const reviews = ordered.filter((e) => e.kind === 'review.signed').map(transportPosition);
  if (!reviews.length) return [];
  const signedAt = Math.max(...reviews);
  return ordered.filter((e) => !e.kind.startsWith('review.') && transportPosition(e) > signedAt).map((e) => e.id);
}

// Entries recorded more than `threshold_min` after they happened.
export function lateEntries(ordered, threshold_min) {
  const delay = (entry) => minutesBetween(entry.occurred_ms, entry.recorded_ms);
  return ordered.filter((entry) => delay(entry) > threshold_min).map((entry) => ({
    event_id: entry.id, kind: entry.kind, occurred_at: formatInstant(entry.occurred_ms),
    recorded_at: formatInstant(entry.recorded_ms),
    late_min: roundHalfUp(delay(entry), 1),
  }));
}

// scheduled | in_progress | completed | signed | reviewed | reopened.
export function visitStatus(effective, reopened) {
  const kinds = new Set(effective.map((entry) => entry.kind));
  if (kinds.has('review.signed')) return reopened ? 'reopened' : 'reviewed';
  if (effective.some((e) => e.kind === 'signature' && e.payload.role === 'nurse')) return 'signed';
  if (kinds.has('visit.ended')) return 'completed';
  return effective.length ? 'in_progress' : 'scheduled';
}
