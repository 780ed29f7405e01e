// Instants as the sync log carries them (ISO-8601 strings with an offset), held as UTC milliseconds.
// Port of server/clinical/clock.py: times are truncated to whole milliseconds when read, naive times are
// refused, and an instant is written in UTC with "Z" and milliseconds only when there are some.

const MS_PER_MINUTE = 60000;

// Extended or basic ISO-8601 as Python's datetime.fromisoformat (3.11) reads it.
const INSTANT = new RegExp(
  '^(\\d{4})-?(\\d{2})-?(\\d{2})(?:[T ](\\d{2})(?::?(\\d{2})(?::?(\\d{2})(?:[.,](\\d+))?)?)?' +
  '(Z|[+-]\\d{2}(?::?\\d{2}(?::?\\d{2}(?:[.,]\\d+)?)?)?)?)?$',
);

function daysInMonth(year, month) {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function validParts(year, month, day, hour, minute, second) {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) &&
    hour <= 23 && minute <= 59 && second <= 59;
}

// The offset in milliseconds east of UTC: "Z", "+05", "+0530", "-05:30", "+05:30:15.5".
function offsetMs(text) {
  if (text === 'Z') return 0;
  const sign = text[0] === '-' ? -1 : 1;
  const digits = text.slice(1).replace(/:/g, '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4) || 0);
  const seconds = Number((digits.slice(4) || '0').replace(',', '.'));
  if (hours > 23 || minutes > 59 || seconds >= 60) throw new RangeError(`bad UTC offset ${text}`);
  return sign * Math.round((hours * 3600 + minutes * 60 + seconds) * 1000);
}

function utcMs(year, month, day, hour, minute, second, millis) {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return date.getTime();
}

// UTC milliseconds from an ISO-8601 string with "Z" or an offset; throws on naive or malformed times.
export function parseInstant(text) {
  const match = typeof text === 'string' ? INSTANT.exec(text) : null;
  if (match === null) throw new RangeError(`time ${JSON.stringify(text)} is not an ISO-8601 instant`);
  const [, y, mo, d, h, mi, s, fraction, offset] = match;
  if (offset === undefined) throw new RangeError(`time ${JSON.stringify(text)} has no UTC offset`);
  const parts = [y, mo, d, h, mi || 0, s || 0].map(Number);
  if (!validParts(...parts)) throw new RangeError(`time ${JSON.stringify(text)} is not a valid instant`);
  const millis = Number(((fraction || '') + '000').slice(0, 3));
  return utcMs(...parts, millis) - offsetMs(offset);
}

export const pad = (value, width = 2) => String(value).padStart(width, '0');

// ISO-8601 in UTC with "Z", milliseconds only when present (JS toISOString without zero millis).
export function formatInstant(ms) {
  const date = new Date(Math.floor(ms));
  const text = `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  const millis = date.getUTCMilliseconds();
  return millis ? `${text}.${pad(millis, 3)}Z` : `${text}Z`;
}

// The UTC calendar date of an instant, "YYYY-MM-DD".
export function utcDateOf(ms) {
  return formatInstant(ms).slice(0, 10);
}

// Minutes from start to end (negative when end is earlier).
export function minutesBetween(startMs, endMs) {
  return (endMs - startMs) / MS_PER_MINUTE;
}

function roundHalfEven(x) {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

// start + minutes, kept to the microsecond as Python's timedelta keeps it.
export function addMinutes(startMs, minutes) {
  return startMs + roundHalfEven(minutes * MS_PER_MINUTE * 1000) / 1000;
}

// `now` for the fold: a Date, UTC milliseconds or an ISO string with an offset; null stays null.
export function instantOf(now) {
  if (now === null || now === undefined) return null;
  if (now instanceof Date) return Math.floor(now.getTime());
  if (typeof now === 'number' && Number.isFinite(now)) return Math.floor(now);
  if (typeof now === 'string') return parseInstant(now);
  throw new TypeError('now must be a Date, UTC milliseconds or an ISO-8601 string with an offset');
}
