// Problems found in an event (port of server/clinical/problems.py): where (a dotted field path, or ""
// for the whole event), what (words a nurse understands) and a stable `code` that programs switch on.

import { WORDS } from './shapes.js';

export function problem(field, message, code) {
  return { field, message, code };
}

// An event that cannot be accepted as it is; `problems` lists every reason found.
export class EventInvalid extends Error {
  constructor(code, problems) {
    super(problems.map((p) => p.message).join('; '));
    this.name = 'EventInvalid';
    this.code = code;
    this.problems = [...problems];
  }
}

// Payload errors in words a nurse can read, each naming its field, with ivlog's stable codes: the
// server's table (schema_words.json `payload_errors`, server/clinical/error_text.py reads it too).

const ERRORS = WORDS.payload_errors;  // per error type: [code, text with {placeholders}]

// [code, text] of an error type.
function wordsOf(type) {
  if (Object.hasOwn(ERRORS.types, type)) return ERRORS.types[type];
  if (/^(date_|datetime_)/.test(type)) return ERRORS.dates;
  return [/(_type|_parsing)$/.test(type) ? 'wrong_type' : 'invalid_value', ERRORS.other];
}

function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1).toLowerCase();
}

// "Temperature" for temp_c (from the ranges data), else the path in words ("Notified at").
function labelOf(loc, ranges) {
  const names = loc.filter((part) => typeof part === 'string');
  if (!names.length) return 'Entry';
  const last = names.at(-1);
  if (ranges && Object.hasOwn(ranges, last)) return ranges[last].label;
  return capitalize(names.join(' ').replace(/_/g, ' '));
}

function messageOf(kind, error, ranges) {
  const values = { ...error.ctx, label: labelOf(error.loc, ranges), kind, msg: error.msg, field: error.loc.at(-1) ?? '' };
  return wordsOf(error.type)[1].replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
}

// One problem per error, with a dotted field path ("notified.0.at").
export function problemsFromErrors(kind, errors, ranges) {
  return errors.map((error) => problem(error.loc.join('.'), messageOf(kind, error, ranges), wordsOf(error.type)[0]));
}
