// Date and time fields inside payloads (an expiry date, "notified at"), read as the server's pydantic
// reads them in lax mode and written back the way it serializes them. Checks follow payload_types.js.

import { reject } from './payload_types.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;
const MS_PER_DAY = 86400000;

const pad = (value, width = 2) => String(value).padStart(width, '0');

function isDate(y, m, d) {
  const date = new Date(0);
  date.setUTCFullYear(+y, +m - 1, +d);
  return +m >= 1 && +m <= 12 && date.getUTCMonth() === +m - 1 && date.getUTCDate() === +d;
}

function validClock(h, mi, s) {
  return +h <= 23 && +mi <= 59 && +(s || 0) <= 59;
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

// Seconds since the epoch, or milliseconds when above 2e10 (pydantic's rule), as UTC microseconds.
function epochMicros(value) {
  const seconds = Math.abs(value) > 2e10 ? value / 1000 : value;
  return Math.round(seconds * 1e6);
}

function dateOfMicros(micros) {
  const date = new Date(Math.floor(micros / 1000));
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

// A calendar date: "YYYY-MM-DD", a time at exactly midnight, or an epoch number at midnight UTC.
export const dateType = () => (value, loc, state) => {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const micros = epochMicros(value);
    return micros % (MS_PER_DAY * 1000) === 0 ? dateOfMicros(micros) : reject(state, loc, 'date_from_datetime_inexact');
  }
  if (typeof value !== 'string') return reject(state, loc, 'date_type');
  if (DATE.test(value)) return isDate(...DATE.exec(value).slice(1)) ? value : reject(state, loc, 'date_parsing');
  const match = DATETIME.exec(value);
  if (match === null || !isDate(match[1], match[2], match[3]) || match[4] === undefined) {
    return reject(state, loc, 'date_parsing');
  }
  const [, y, m, d, h, mi, s, fraction, offset] = match;
  const midnight = +h === 0 && +mi === 0 && +(s || 0) === 0 && !/[1-9]/.test(fraction || '');
  if (!validClock(h, mi, s) || Number.isNaN(parseOffset(offset))) return reject(state, loc, 'date_parsing');
  return midnight ? `${y}-${m}-${d}` : reject(state, loc, 'date_from_datetime_inexact');
};

function formatOffset(minutes) {
  if (minutes === 0) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const size = Math.abs(minutes);
  return `${sign}${pad(Math.floor(size / 60))}:${pad(size % 60)}`;
}

function formatLocal(y, m, d, h, mi, s, micros, offsetMinutes) {
  const fraction = micros ? `.${pad(micros, 6)}` : '';
  return `${y}-${m}-${d}T${pad(h)}:${pad(mi)}:${pad(s)}${fraction}${formatOffset(offsetMinutes)}`;
}

function fromEpoch(value) {
  const micros = epochMicros(value);
  const date = new Date(Math.floor(micros / 1000));
  const rest = ((micros % 1e6) + 1e6) % 1e6;
  return formatLocal(pad(date.getUTCFullYear(), 4), pad(date.getUTCMonth() + 1), pad(date.getUTCDate()),
    date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), rest, 0);
}

// An instant with a UTC offset, kept in its own offset: "2025-03-04T10:00:00.500000+01:00".
export const awareDatetimeType = () => (value, loc, state) => {
  if (typeof value === 'number' && Number.isFinite(value)) return fromEpoch(value);
  if (typeof value !== 'string') return reject(state, loc, 'datetime_type');
  const match = DATETIME.exec(value);
  if (match === null || !isDate(match[1], match[2], match[3])) return reject(state, loc, 'datetime_parsing');
  const [, y, m, d, h = '0', mi = '0', s = '0', fraction = '', offset] = match;
  const offsetMinutes = parseOffset(offset);
  if (!validClock(h, mi, s) || Number.isNaN(offsetMinutes)) return reject(state, loc, 'datetime_parsing');
  if (offsetMinutes === null) return reject(state, loc, 'timezone_aware');
  return formatLocal(y, m, d, +h, +mi, +s, +(fraction + '000000').slice(0, 6), offsetMinutes);
};
