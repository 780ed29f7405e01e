// The tablet's check before an entry is saved: numbers outside their plausible range and the checks
// within one payload (diastolic below systolic, at least one vital sign), with the server's texts and
// codes, so an impossible value is refused at the bedside. Full schema validation stays on the server.

import { checkFields, CURRENT_SCHEMA } from './events.js';
import { CROSS_CHECKS } from './payload_schemas.js';
import { problemsFromErrors } from './payload_text.js';
import { problem } from './problems.js';
import { rangesFrom } from './ranges.js';

function valueAt(payload, loc) {
  return loc.reduce((value, key) => (value === null || value === undefined ? value : value[key]), payload);
}

// Errors about entered numbers: out of range, or a number field holding something else (null and
// left-out fields are not entered yet, so they pass here).
function isNumberError(error, payload) {
  if (error.type === 'out_of_range') return true;
  const entered = valueAt(payload, error.loc);
  return (error.type === 'float_type' || error.type === 'int_type') && entered !== null && entered !== undefined;
}

// Problems [{field, message, code}] of a payload about to be saved as an event of `kind`.
export function checkPayload(kind, payload, ranges) {
  if (!Object.hasOwn(CURRENT_SCHEMA, kind)) {
    return [problem('kind', `Unknown entry type '${kind}'`, 'unknown_kind')];
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return [problem('', "The entry's content must be an object", 'wrong_type')];
  }
  const loaded = rangesFrom(ranges);
  const { errors } = checkFields(kind, payload, loaded);
  const numbers = errors.filter((error) => isNumberError(error, payload));
  if (numbers.length) return problemsFromErrors(kind, numbers, loaded);
  return (CROSS_CHECKS[kind] || (() => []))(payload);
}
