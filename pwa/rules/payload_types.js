// Field types of event payloads, checked the way the server's pydantic models check them: strict
// numbers and booleans, stripped and bounded text, closed records. A check returns the normalized
// value, or pushes errors ({loc, type, ctx, msg}) and returns INVALID. `payload_text.js` words them.

import { formatInstant } from './clock.js';
import { rangeViolation } from './ranges.js';

export const INVALID = Symbol('invalid');

const isRecord = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

export function reject(state, loc, type, ctx = {}, msg = '') {
  state.errors.push({ loc, type, ctx, msg });
  return INVALID;
}

export function textType({ min = 0, max = Infinity, strip = true, pattern = null } = {}) {
  return (value, loc, state) => {
    if (typeof value !== 'string') return reject(state, loc, 'string_type');
    const text = strip ? value.trim() : value;
    const length = [...text].length;
    if (length < min) return reject(state, loc, 'string_too_short', { min_length: min });
    if (length > max) return reject(state, loc, 'string_too_long', { max_length: max });
    if (pattern !== null && !pattern.test(text)) return reject(state, loc, 'string_pattern_mismatch');
    return text;
  };
}

export const numberType = () => (value, loc, state) =>
  (typeof value === 'number' && Number.isFinite(value) ? value : reject(state, loc, 'float_type'));

export const countType = () => (value, loc, state) =>
  (Number.isInteger(value) ? value : reject(state, loc, 'int_type'));

export const boolType = () => (value, loc, state) =>
  (typeof value === 'boolean' ? value : reject(state, loc, 'bool_type'));

export function literalType(...values) {
  const quoted = values.map((v) => `'${v}'`);
  const expected = quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` : quoted[0];
  return (value, loc, state) =>
    (values.includes(value) ? value : reject(state, loc, 'literal_error', { expected }));
}

export function listType(item, { min = 0, max = Infinity } = {}) {
  return (value, loc, state) => {
    if (!Array.isArray(value)) return reject(state, loc, 'list_type');
    if (value.length > max) return reject(state, loc, 'too_long', { max_length: max });
    const items = value.map((element, index) => item(element, [...loc, index], state));
    if (items.includes(INVALID)) return INVALID;
    if (value.length < min) return reject(state, loc, 'too_short', { min_length: min });
    return items;
  };
}

export const dictType = () => (value, loc, state) =>
  (isRecord(value) ? structuredClone(value) : reject(state, loc, 'dict_type'));

// A field of a record: its type alone when it is required, else whether it may be null and its
// default when left out.
export const nullable = (type) => ({ type, nullable: true, required: false, fallback: null });
export const withDefault = (type, fallback) => ({ type, nullable: false, required: false, fallback });
const fieldOf = (spec) => (typeof spec === 'function' ? { type: spec, nullable: false, required: true } : spec);

function checkRange(name, value, loc, state) {
  const range = state.ranges && Object.hasOwn(state.ranges, name) ? state.ranges[name] : undefined;
  if (range === undefined || typeof value !== 'number') return value;
  const message = rangeViolation(range, value);
  return message === null ? value : reject(state, loc, 'out_of_range', {}, message);
}

function checkField(name, field, input, loc, state) {
  if (!Object.hasOwn(input, name)) {
    return field.required ? reject(state, [...loc, name], 'missing') : structuredClone(field.fallback);
  }
  const value = input[name];
  if (value === null && field.nullable) return null;
  const checked = field.type(value, [...loc, name], state);
  return checked === INVALID ? INVALID : checkRange(name, checked, [...loc, name], state);
}

// A closed record of `fields` (declaration order kept); every number named in the ranges is checked.
export function recordType(name, fields) {
  return (value, loc, state) => {
    if (!isRecord(value)) {
      return reject(state, loc, 'model_type', {}, `Input should be a valid dictionary or instance of ${name}`);
    }
    const out = {};
    let valid = true;
    for (const [field, spec] of Object.entries(fields)) {
      out[field] = checkField(field, fieldOf(spec), value, loc, state);
      valid = valid && out[field] !== INVALID;
    }
    const extra = Object.keys(value).filter((key) => !Object.hasOwn(fields, key));
    extra.forEach((key) => reject(state, [...loc, key], 'extra_forbidden'));
    return valid && !extra.length ? out : INVALID;
  };
}
