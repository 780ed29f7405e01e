// One event's payload on its own (port of server/clinical/events.py): lift an old
// payload to the current schema, check it against its kind and return it normalized (every field
// present, text stripped), or throw EventInvalid listing every problem. Also the tablet's lighter
// check before an entry is saved (checkPayload), and events as the fold reads them, in their order.

import { parseInstant } from './clock.js';
import { isObject } from './shapes.js';
import { INVALID } from './payload_types.js';
import { CROSS_CHECKS, PAYLOAD_TYPES, PAYLOADS_DOC } from './payload_schemas.js';
import { EventInvalid, problem, problemsFromErrors } from './problems.js';
import { rangesFrom } from './ranges.js';
import { roundHalfUp } from './rounding.js';

export const CURRENT_SCHEMA = Object.fromEntries(
  Object.entries(PAYLOADS_DOC.kinds).map(([kind, spec]) => [kind, spec.schema]),
);

// Legacy vitals: temp_f -> temp_c, rounded half up to 0.1 °C (as the tablet shows it).
function vitals0To1(payload) {
  if (Object.hasOwn(payload, 'temp_c') || typeof payload.temp_f !== 'number') return { ...payload };
  const { temp_f: tempF, ...rest } = payload;
  return { ...rest, temp_c: roundHalfUp((tempF - 32) * 5 / 9, 1) };
}

const UPCASTERS = { 'vitals:0': vitals0To1 };

function oldestSchema(kind, current) {
  let schema = current;
  while (Object.hasOwn(UPCASTERS, `${kind}:${schema - 1}`)) schema -= 1;
  return schema;
}

// Python's repr() of a JSON scalar, as the server writes it into a message.
function pythonRepr(value) {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string') return value.includes("'") && !value.includes('"') ? `"${value}"` : `'${value}'`;
  return JSON.stringify(value);
}

function schemaProblem(kind, schema, current) {
  const oldest = oldestSchema(kind, current);
  if (typeof schema !== 'number' || !Number.isInteger(schema) || schema < oldest) {
    const message = `Entry format ${pythonRepr(schema)} of '${kind}' is not supported (the oldest is ${oldest})`;
    return new EventInvalid('unknown_schema', [problem('schema', message, 'unknown_schema')]);
  }
  if (schema > current) {
    const message = `This '${kind}' entry was made by a newer app (format ${schema}) than the server ` +
      `understands (${current}); it is kept until the server is updated`;
    return new EventInvalid('newer_schema', [problem('schema', message, 'newer_schema')]);
  }
  return null;
}

const unknownKind = (kind) => problem('kind', `Unknown entry type '${kind}'`, 'unknown_kind');
const notAnObject = () => problem('', "The entry's content must be an object", 'wrong_type');
const crossChecks = (kind, payload) => (CROSS_CHECKS[kind] || (() => []))(payload);

// The payload lifted to CURRENT_SCHEMA[kind] (a copy); throws EventInvalid if that is impossible.
function upcast(kind, schema, payload) {
  if (!Object.hasOwn(CURRENT_SCHEMA, kind)) throw new EventInvalid('unknown_kind', [unknownKind(kind)]);
  const current = CURRENT_SCHEMA[kind];
  const refused = schemaProblem(kind, schema, current);
  if (refused !== null) throw refused;
  if (!isObject(payload)) throw new EventInvalid('invalid_payload', [notAnObject()]);
  let lifted = { ...payload };
  for (let step = schema; step < current; step += 1) lifted = UPCASTERS[`${kind}:${step}`](lifted);
  return lifted;
}

// The payload checked field by field: normalized (INVALID when any field failed) and the raw errors.
function checkFields(kind, lifted, ranges = null) {
  const state = { errors: [], ranges };
  return { normalized: PAYLOAD_TYPES[kind](lifted, [], state), errors: state.errors };
}

// The normalized payload at the current schema, or EventInvalid. `ranges` are the loaded plausible
// ranges (loadRanges); without them numbers are not range-checked and labels come from field names.
export function validateEvent(kind, schema, payload, ranges = null) {
  const { normalized, errors } = checkFields(kind, upcast(kind, schema, payload), ranges);
  if (normalized === INVALID) throw new EventInvalid('invalid_payload', problemsFromErrors(kind, errors, ranges));
  const problems = crossChecks(kind, normalized);
  if (problems.length) throw new EventInvalid('invalid_payload', problems);
  return normalized;
}

// The tablet's check before an entry is saved: numbers outside their plausible range and the checks
// within one payload (diastolic below systolic, at least one vital sign), with the server's texts and
// codes, so an impossible value is refused at the bedside. Full schema validation stays on the server.

// Errors about entered numbers: out of range, or a number field holding something else (null and
// left-out fields are not entered yet, so they pass here).
function isNumberError(error, payload) {
  const entered = error.loc.reduce((value, key) => value?.[key], payload);
  return error.type === 'out_of_range' || (['float_type', 'int_type'].includes(error.type) && entered != null);
}

// Problems [{field, message, code}] of a payload about to be saved as an event of `kind`.
export function checkPayload(kind, payload, ranges) {
  if (!Object.hasOwn(CURRENT_SCHEMA, kind)) return [unknownKind(kind)];
  if (!isObject(payload)) return [notAnObject()];
  const loaded = rangesFrom(ranges);
  const { errors } = checkFields(kind, payload, loaded);
  const numbers = errors.filter((error) => isNumberError(error, payload));
  if (numbers.length) return problemsFromErrors(kind, numbers, loaded);
  return crossChecks(kind, payload);
}

// Events as the fold reads them, and the one deterministic order they are read in (port of
// server/clinical/ordering.py): by clinical time, then recorded time, device, device sequence and id,
// so the same set of events folds the same on every tablet and on the server.

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
function sortKey(event) {
  return {
    occurred_ms: parseInstant(event.occurred_at),
    recorded_ms: parseInstant(event.recorded_at),
    device_id: event.device_id || '',
    device_seq: event.device_seq || 0,
    id: event.id,
  };
}

function compareKeys(a, b) {
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
