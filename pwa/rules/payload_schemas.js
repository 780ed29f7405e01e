// The payload of each event kind at its current schema, built from payloads.json (a symlink to
// server/clinical/data/payloads.json, which server/clinical/payloads.py builds its models from): fields
// in declaration order and their types. The checks that involve more than one field of a payload are
// code, below (server/clinical/payload_checks.py). Loaded before any caller runs (top-level await), so
// validateEvent and checkPayload stay synchronous.

import {
  awareDatetimeType, boolType, countType, dateType, dictType, listType, literalType, nullable, numberType, recordType,
  textType, withDefault,
} from './payload_types.js';
import { packagedJson } from './packaged.js';
import { problem } from './problems.js';
import { formatNumber } from './rounding.js';

export const PAYLOADS_DOC = await packagedJson(new URL('./payloads.json', import.meta.url));

export const MEASUREMENTS = ['hr', 'rr', 'sbp', 'dbp', 'temp_c', 'spo2', 'pain'];

// The types payloads.json names without declaring them.
const BUILT_IN = {
  Number: numberType(), Count: countType(), Bool: boolType(), Date: dateType(), AwareDatetime: awareDatetimeType(),
  Object: dictType(),
};

// A type of payloads.json: a name, {choices}, {text: {min, max, strip, pattern}} or {list, min, max}.
function typeOf(spec, named) {
  if (typeof spec === 'string') return named[spec];
  if (spec.choices) return literalType(...spec.choices);
  if (spec.text) return textType({ ...spec.text, pattern: spec.text.pattern ? new RegExp(spec.text.pattern) : null });
  return listType(typeOf(spec.list, named), spec);
}

// A field: a type alone is required; else {nullable: type} (null when left out) or {type, default}.
function fieldOf(spec, named) {
  if (Object.hasOwn(spec, 'nullable')) return nullable(typeOf(spec.nullable, named));
  return Object.hasOwn(spec, 'default') ? withDefault(typeOf(spec.type, named), spec.default) : typeOf(spec, named);
}

const fieldsOf = (spec, named) =>
  Object.fromEntries(Object.entries(spec.fields).map(([name, field]) => [name, fieldOf(field, named)]));

function buildFields(doc) {
  const named = { ...BUILT_IN };
  for (const [name, spec] of Object.entries(doc.types)) named[name] = typeOf(spec, named);
  for (const [name, spec] of Object.entries(doc.records)) named[name] = recordType(name, fieldsOf(spec, named));
  return Object.fromEntries(Object.entries(doc.kinds).map(([kind, spec]) => [kind, fieldsOf(spec, named)]));
}

// kind -> field -> its check (see fieldOf), in declaration order.
export const FIELDS = buildFields(PAYLOADS_DOC);

export const PAYLOAD_TYPES = Object.fromEntries(
  Object.entries(FIELDS).map(([kind, fields]) => [kind, recordType(kind, fields)]),
);

function vitalsProblems(p) {
  if (MEASUREMENTS.every((name) => p[name] == null)) {
    return [problem('', 'Vital signs need at least one measurement', 'no_measurement')];
  }
  const hasSbp = p.sbp != null;
  const hasDbp = p.dbp != null;
  if (hasSbp !== hasDbp) {
    return [problem(hasDbp ? 'sbp' : 'dbp', 'Blood pressure needs both systolic and diastolic', 'bp_incomplete')];
  }
  if (hasSbp && p.dbp >= p.sbp) {
    const [dbp, sbp] = [formatNumber(p.dbp, 3), formatNumber(p.sbp, 3)];
    const message = `Diastolic BP ${dbp} mmHg must be below systolic BP ${sbp} mmHg`;
    return [problem('dbp', message, 'dbp_not_below_sbp')];
  }
  return [];
}

function findingsProblems(p) {
  const findings = Array.isArray(p.findings) ? p.findings : [];
  if (findings.includes('no_complications') && findings.length > 1) {
    const message = "Site findings: 'no complications' cannot be combined with a complication";
    return [problem('findings', message, 'conflicting_findings')];
  }
  return [];
}

function linePlacedProblems(p) {
  const problems = findingsProblems(p);
  if (p.status === 'new' && p.attempts == null) {
    problems.push(problem('attempts', 'Insertion attempts are required for a new line', 'required_for_new_line'));
  }
  return problems;
}

// A next rate exactly when the intervention is a next-rate one.
function interventionProblems(p) {
  const hasRate = p.next_rate_ml_h != null;
  if (hasRate === (p.kind === 'next_rate')) return [];
  const message = hasRate ? 'Next infusion rate belongs only to a next-rate intervention'
    : 'Next infusion rate is required for a next-rate intervention';
  return [problem('next_rate_ml_h', message, 'next_rate_mismatch')];
}

// Problems that involve more than one field of a payload, by kind (none for the other kinds).
export const CROSS_CHECKS = {
  vitals: vitalsProblems,
  'line.placed': linePlacedProblems,
  'line.assessed': findingsProblems,
  'line.removed': findingsProblems,
  'line.left_in_place': findingsProblems,
  'review.intervention': interventionProblems,
};
