// Field types of event payloads, checked the way the server's pydantic models check them: strict
// numbers and booleans, stripped and bounded text, dates and times, closed records. A check returns
// the normalized value, or pushes errors ({loc, type, ctx, msg}) and returns INVALID.
// `problems.js` words them.

import { formatInstant, pad, utcDateOf } from './clock.js';
import { isObject } from './shapes.js';
import { rangeViolation } from './ranges.js';

export const INVALID = Symbol('invalid');

function reject(state, loc, type, ctx = {}, msg = '') {
  state.errors.push({ loc, type, ctx, msg });
  return INVALID;
}

// The server's strip (pydantic's, Rust's str::trim): Unicode White_Space at both ends. Not String.trim,
// which also strips U+FEFF (a byte-order mark) and keeps U+0085 (next line): found by the differential test.
const EDGE_SPACE = /^\p{White_Space}+|\p{White_Space}+$/gu;

export function textType({ min = 0, max = Infinity, strip = true, pattern = null } = {}) {
  return (value, loc, state) => {
    if (typeof value !== 'string') return reject(state, loc, 'string_type');
    const text = strip ? value.replace(EDGE_SPACE, '') : value;
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
  (isObject(value) ? structuredClone(value) : reject(state, loc, 'dict_type'));

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
    if (!isObject(value)) {
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

// Date and time fields inside payloads (an expiry date, "notified at"), read as the server's pydantic
// reads them in lax mode and written back the way it serializes them.

const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;
const MS_PER_DAY = 86400000;

function isDate(y, m, d) {
  const date = new Date(0);
  date.setUTCFullYear(+y, +m - 1, +d);
  return +m >= 1 && +m <= 12 && date.getUTCMonth() === +m - 1 && date.getUTCDate() === +d;
}

function parseOffset(text) {
  if (text === undefined) return null;
  if (text === 'Z' || text === 'z') return 0;
  const digits = text.slice(1).replace(':', '');
  const hours = +digits.slice(0, 2);
  const minutes = +digits.slice(2, 4);
  if (hours > 23 || minutes > 59) return NaN;
  return (text[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

// "YYYY-MM-DD", with or without a time and an offset, as {date, time (false: none), h, mi, s, fraction,
// offset (minutes east of UTC, null: none)}; null when it is not a valid one.
function readDatetime(text) {
  const match = DATETIME.exec(text);
  if (match === null || !isDate(match[1], match[2], match[3])) return null;
  const [, y, m, d, h, mi = '0', s = '0', fraction = '', offsetText] = match;
  const offset = parseOffset(offsetText);
  if (+h > 23 || +mi > 59 || +s > 59 || Number.isNaN(offset)) return null;
  return { date: `${y}-${m}-${d}`, time: h !== undefined, h: +(h ?? 0), mi: +mi, s: +s, fraction, offset };
}

// Seconds since the epoch, or milliseconds when above 2e10 (pydantic's rule), as UTC microseconds.
function epochMicros(value) {
  const seconds = Math.abs(value) > 2e10 ? value / 1000 : value;
  return Math.round(seconds * 1e6);
}

// A calendar date: "YYYY-MM-DD", a time at exactly midnight, or an epoch number at midnight UTC.
export const dateType = () => (value, loc, state) => {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const micros = epochMicros(value);
    return micros % (MS_PER_DAY * 1000) === 0 ? utcDateOf(micros / 1000) : reject(state, loc, 'date_from_datetime_inexact');
  }
  if (typeof value !== 'string') return reject(state, loc, 'date_type');
  const read = readDatetime(value);
  if (read === null) return reject(state, loc, 'date_parsing');
  const midnight = read.h + read.mi + read.s === 0 && !/[1-9]/.test(read.fraction);
  return !read.time || midnight ? read.date : reject(state, loc, 'date_from_datetime_inexact');
};

function formatOffset(minutes) {
  if (minutes === 0) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const size = Math.abs(minutes);
  return `${sign}${pad(Math.floor(size / 60))}:${pad(size % 60)}`;
}

const microsText = (micros) => (micros ? `.${pad(micros, 6)}` : '');

// An epoch number as pydantic writes it: in UTC, microseconds only when there are some.
function fromEpoch(value) {
  const micros = epochMicros(value);
  const seconds = formatInstant(Math.floor(micros / 1000)).replace(/(\.\d+)?Z$/, '');
  return `${seconds}${microsText(((micros % 1e6) + 1e6) % 1e6)}Z`;
}

// An instant with a UTC offset, kept in its own offset: "2025-03-04T10:00:00.500000+01:00".
export const awareDatetimeType = () => (value, loc, state) => {
  if (typeof value === 'number' && Number.isFinite(value)) return fromEpoch(value);
  if (typeof value !== 'string') return reject(state, loc, 'datetime_type');
  const read = readDatetime(value);
  if (read === null) return reject(state, loc, 'datetime_parsing');
  if (read.offset === null) return reject(state, loc, 'timezone_aware');
  const micros = microsText(+(read.fraction + '000000').slice(0, 6));
  return `${read.date}T${pad(read.h)}:${pad(read.mi)}:${pad(read.s)}${micros}${formatOffset(read.offset)}`;
};
