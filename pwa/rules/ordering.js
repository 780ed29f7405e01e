// Events as the fold reads them, and the one deterministic order they are read in (port of
// server/clinical/ordering.py): by clinical time, then recorded time, device, device sequence and id,
// so the same set of events folds the same on every tablet and on the server.

import { parseInstant } from './clock.js';
import { validateEvent } from './events.js';

// Strings compare by code point, as Python compares them.
export function compareText(a, b) {
  if (a === b) return 0;
  const left = [...a];
  const right = [...b];
  for (let i = 0; i < Math.min(left.length, right.length); i += 1) {
    if (left[i] !== right[i]) return left[i].codePointAt(0) - right[i].codePointAt(0);
  }
  return left.length - right.length;
}

// The fold's order key of a sync-log event; a missing device is "" and sequence 0.
export function sortKey(event) {
  return {
    occurred_ms: parseInstant(event.occurred_at),
    recorded_ms: parseInstant(event.recorded_at),
    device_id: event.device_id || '',
    device_seq: event.device_seq || 0,
    id: event.id,
  };
}

export function compareKeys(a, b) {
  return (a.occurred_ms - b.occurred_ms) || (a.recorded_ms - b.recorded_ms) ||
    compareText(a.device_id, b.device_id) || (a.device_seq - b.device_seq) || compareText(a.id, b.id);
}

const ENVELOPE = ['id', 'kind', 'schema', 'payload', 'occurred_at', 'recorded_at'];

// The events in fold order with their keys; throws on an event without its envelope fields.
export function inFoldOrder(events) {
  for (const event of events) {
    const absent = ENVELOPE.filter((name) => !Object.hasOwn(event, name));
    if (absent.length) throw new TypeError(`event ${event.id ?? '?'} lacks ${absent.join(', ')}`);
  }
  const keyed = events.map((event) => ({ event, key: sortKey(event) }));
  return keyed.sort((a, b) => compareKeys(a.key, b.key));
}

// One event as an entry: parsed times (UTC ms), its payload validated and lifted to the current schema,
// and `rank`, its place in the fold order. Throws EventInvalid for a payload that does not validate.
export function entryFromEvent(event, key, rank, ranges) {
  return {
    id: event.id,
    kind: event.kind,
    occurred_ms: key.occurred_ms,
    recorded_ms: key.recorded_ms,
    server_seq: event.server_seq ?? null,
    author_id: event.author_id ?? null,
    payload: validateEvent(event.kind, event.schema, event.payload, ranges),
    rank,
  };
}

// The same entry showing an amended payload.
export function withPayload(entry, payload) {
  return { ...entry, payload };
}
