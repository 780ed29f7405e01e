// One event's payload on its own (port of server/clinical/events.py and upcasters.py): lift an old
// payload to the current schema, check it against its kind and return it normalized (every field
// present, text stripped), or throw EventInvalid listing every problem.

import { INVALID } from './payload_types.js';
import { CROSS_CHECKS, PAYLOAD_TYPES } from './payload_schemas.js';
import { problemsFromErrors } from './payload_text.js';
import { EventInvalid, problem } from './problems.js';
import { roundHalfUp } from './rounding.js';

export const CURRENT_SCHEMA = Object.fromEntries(Object.keys(PAYLOAD_TYPES).map((kind) => [kind, 1]));

// Legacy vitals: temp_f -> temp_c, rounded half up to 0.1 °C (as the tablet shows it).
function vitals0To1(payload) {
  const lifted = { ...payload };
  const tempF = lifted.temp_f;
  if (Object.hasOwn(lifted, 'temp_c') || typeof tempF !== 'number') return lifted;
  delete lifted.temp_f;
  lifted.temp_c = roundHalfUp((tempF - 32) * 5 / 9, 1);
  return lifted;
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

// The payload lifted to CURRENT_SCHEMA[kind] (a copy); throws EventInvalid if that is impossible.
export function upcast(kind, schema, payload) {
  if (!Object.hasOwn(CURRENT_SCHEMA, kind)) {
    throw new EventInvalid('unknown_kind', [problem('kind', `Unknown entry type '${kind}'`, 'unknown_kind')]);
  }
  const current = CURRENT_SCHEMA[kind];
  const refused = schemaProblem(kind, schema, current);
  if (refused !== null) throw refused;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    const wrong = problem('', "The entry's content must be an object", 'wrong_type');
    throw new EventInvalid('invalid_payload', [wrong]);
  }
  let lifted = { ...payload };
  for (let step = schema; step < current; step += 1) lifted = UPCASTERS[`${kind}:${step}`](lifted);
  return lifted;
}

// The payload checked field by field: normalized (INVALID when any field failed) and the raw errors.
export function checkFields(kind, lifted, ranges = null) {
  const state = { errors: [], ranges };
  return { normalized: PAYLOAD_TYPES[kind](lifted, [], state), errors: state.errors };
}

// The normalized payload at the current schema, or EventInvalid. `ranges` are the loaded plausible
// ranges (loadRanges); without them numbers are not range-checked and labels come from field names.
export function validateEvent(kind, schema, payload, ranges = null) {
  const { normalized, errors } = checkFields(kind, upcast(kind, schema, payload), ranges);
  if (normalized === INVALID) throw new EventInvalid('invalid_payload', problemsFromErrors(kind, errors, ranges));
  const problems = (CROSS_CHECKS[kind] || (() => []))(normalized);
  if (problems.length) throw new EventInvalid('invalid_payload', problems);
  return normalized;
}
