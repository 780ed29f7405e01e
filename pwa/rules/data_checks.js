// Shape checks for the data files (products, rules, ranges), as strict as the server's loaders:
// unknown fields are refused, booleans must be booleans, numbers numbers, and bounds hold. A check
// returns the checked value (defaults filled in) or throws an Error naming the path and the problem.

// A JSON object (not null, not a list).
export const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const isNumber = (value) => typeof value === 'number' && Number.isFinite(value);

function fail(path, message) {
  throw new Error(`${path}: ${message}`);
}

export function text({ min = 0 } = {}) {
  return (value, path) => {
    if (typeof value !== 'string') fail(path, 'must be text');
    if ([...value].length < min) fail(path, `must have at least ${min} characters`);
    return value;
  };
}

function bounded(value, path, { gt, ge }) {
  if (gt !== undefined && !(value > gt)) fail(path, `must be greater than ${gt}`);
  if (ge !== undefined && !(value >= ge)) fail(path, `must be at least ${ge}`);
  return value;
}

export function number(bounds = {}) {
  return (value, path) => (isNumber(value) ? bounded(value, path, bounds) : fail(path, 'must be a number'));
}

export function integer(bounds = {}) {
  return (value, path) => (Number.isInteger(value)
    ? bounded(value, path, bounds) : fail(path, 'must be a whole number'));
}

export function boolean() {
  return (value, path) => (typeof value === 'boolean' ? value : fail(path, 'must be true or false'));
}

export function oneOf(...values) {
  return (value, path) => (values.includes(value) ? value : fail(path, `must be one of ${values.join(', ')}`));
}

// A calendar date "YYYY-MM-DD" (the loaders accept it as text and keep it as text).
export function dateText() {
  return (value, path) => {
    const match = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
    const date = match && new Date(Date.UTC(+match[1], +match[2] - 1, +match[3]));
    if (!date || date.getUTCMonth() !== +match[2] - 1 || date.getUTCDate() !== +match[3]) {
      fail(path, 'must be a date YYYY-MM-DD');
    }
    return value;
  };
}

export function optional(check) {
  return (value, path) => (value === null ? null : check(value, path));
}

export function listOf(check, { min = 0 } = {}) {
  return (value, path) => {
    if (!Array.isArray(value)) fail(path, 'must be a list');
    if (value.length < min) fail(path, `must have at least ${min} items`);
    return value.map((item, index) => check(item, `${path}[${index}]`));
  };
}

export function mapOf(check) {
  return (value, path) => {
    if (!isObject(value)) fail(path, 'must be an object');
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, check(item, `${path}.${key}`)]));
  };
}

// A closed record: `fields` maps each name to a check, or to [check, default] when it may be left out.
// The check keeps its `fields` (rulebook.js reads a newer file for the fields it knows).
export function record(fields) {
  const check = (value, path) => {
    if (!isObject(value)) fail(path, 'must be an object');
    const unknown = Object.keys(value).filter((key) => !(key in fields));
    if (unknown.length) fail(path, `unknown field(s) ${unknown.join(', ')}`);
    const out = {};
    for (const [name, spec] of Object.entries(fields)) {
      const [check, fallback] = Array.isArray(spec) ? spec : [spec];
      if (name in value) out[name] = check(value[name], `${path}.${name}`);
      else if (Array.isArray(spec)) out[name] = structuredClone(fallback);
      else fail(`${path}.${name}`, 'is required');
    }
    return out;
  };
  return Object.assign(check, { fields });
}

// Loaded data is shared by every fold: freeze it so nothing can change it by accident.
export function deepFreeze(value) {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
