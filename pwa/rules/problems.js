// Problems found in an event (port of server/clinical/problems.py): where (a dotted field path, or ""
// for the whole event), what (words a nurse understands) and a stable `code` that programs switch on.

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

// Payload errors in words a nurse can read, each naming its field, with ivlog's stable codes
// (port of server/clinical/error_text.py: the same texts and codes as the server).

const CODES = {
  missing: 'missing', extra_forbidden: 'extra_field', string_too_long: 'too_long', too_long: 'too_long',
  string_too_short: 'too_short', too_short: 'too_short', literal_error: 'not_allowed',
  out_of_range: 'out_of_range', string_pattern_mismatch: 'invalid_value', finite_number: 'wrong_type',
  timezone_aware: 'wrong_type',
};

const TYPE_TEXT = {
  bool_type: 'must be true or false', float_type: 'must be a number', int_type: 'must be a whole number',
  string_type: 'must be text', list_type: 'must be a list', dict_type: 'must be an object',
  finite_number: 'must be a finite number', timezone_aware: 'must include a UTC offset',
  string_pattern_mismatch: 'is not in the expected format',
};

function codeOf(type) {
  if (Object.hasOwn(CODES, type)) return CODES[type];
  if (/(_type|_parsing)$/.test(type) || /^(date_|datetime_)/.test(type)) return 'wrong_type';
  return 'invalid_value';
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
  const { type, ctx } = error;
  const label = labelOf(error.loc, ranges);
  if (type === 'out_of_range') return error.msg;
  if (type === 'missing') return `${label} is required`;
  if (type === 'extra_forbidden') return `'${error.loc.at(-1)}' is not a field of a '${kind}' entry`;
  const unit = type.startsWith('string') ? 'characters' : 'items';
  if (codeOf(type) === 'too_long') return `${label} is too long (at most ${ctx.max_length} ${unit})`;
  if (codeOf(type) === 'too_short') return `${label} is too short (at least ${ctx.min_length} ${unit})`;
  if (type === 'literal_error') return `${label} must be one of ${ctx.expected}`;
  if (Object.hasOwn(TYPE_TEXT, type)) return `${label} ${TYPE_TEXT[type]}`;
  if (/^(date_|datetime_)/.test(type)) return `${label} must be a date (YYYY-MM-DD) or a time with a UTC offset`;
  return `${label}: ${error.msg}`;
}

// One problem per error, with a dotted field path ("notified.0.at").
export function problemsFromErrors(kind, errors, ranges) {
  return errors.map((error) => problem(error.loc.join('.'), messageOf(kind, error, ranges), codeOf(error.type)));
}
