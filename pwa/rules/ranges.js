// Plausible ranges for entered numbers (port of server/clinical/ranges.py), read from ranges.json so an
// organization can override them. A value outside is an entry error, refused with a message that names
// the field, the value and the range: "Temperature 53 °C is outside 32–43 °C".

import { formatNumber } from './rounding.js';
import { checker, loadSchema } from './shapes.js';

const RANGES = checker(await loadSchema('ranges'));

const loaded = new WeakMap();

// Ranges keyed by field name from the ranges.json document ({fields: {...}}); cached per document.
export function loadRanges(rangesDoc) {
  if (loaded.has(rangesDoc)) return loaded.get(rangesDoc);
  const ranges = Object.freeze(RANGES(rangesDoc, 'ranges').fields);
  loaded.set(rangesDoc, ranges);
  return ranges;
}

// Ranges from the ranges.json document ({fields: ...}), or as loadRanges returned them; null stays null.
export function rangesFrom(ranges) {
  if (ranges === null || ranges === undefined) return null;
  return typeof ranges.fields === 'object' && ranges.fields !== null ? loadRanges(ranges) : ranges;
}

function rangeContains(range, value) {
  const above = range.min_exclusive ? value > range.min : value >= range.min;
  const below = range.max_exclusive ? value < range.max : value <= range.max;
  return above && below;
}

// The range in words: "32–43 °C", or "more than 0 and at most 999 mL/h".
function describeRange(range) {
  const low = formatNumber(range.min, 3);
  const high = formatNumber(range.max, 3);
  if (!(range.min_exclusive || range.max_exclusive)) return `${low}–${high}${range.unit}`;
  const lowWord = range.min_exclusive ? 'more than' : 'at least';
  const highWord = range.max_exclusive ? 'less than' : 'at most';
  return `${lowWord} ${low}${range.unit} and ${highWord} ${high}${range.unit}`;
}

// The nurse-facing message when `value` is outside, else null (NaN is always outside).
export function rangeViolation(range, value) {
  if (rangeContains(range, value)) return null;
  const shown = Number.isNaN(value) ? 'not a number' : formatNumber(value, 3);
  const verb = range.min_exclusive || range.max_exclusive ? 'must be' : 'is outside';
  return `${range.label} ${shown}${range.unit} ${verb} ${describeRange(range)}`;
}
