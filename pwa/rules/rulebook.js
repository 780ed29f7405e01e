// The alert rules file as data (port of server/clinical/rulebook.py): thresholds, messages, the vitals
// schedule and reaction guidance. Loaded once and passed around, so a pharmacist can override any
// number. `alerts.js` (loadRulebook) keeps the rules this code can evaluate and lists the others.

import {
  boolean, deepFreeze, integer, isObject, listOf, mapOf, number, oneOf, record, text,
} from './data_checks.js';
import { IVIG_ONLY } from './catalog.js';

const VITALS_SCHEDULE = record({
  titrating_every_min: number({ gt: 0 }), at_max_every_min: number({ gt: 0 }),
  increase_window_min: number({ ge: 0 }), completion_window_min: number({ ge: 0 }),
  observation_min: number({ ge: 0 }), observation_min_high_risk: number({ ge: 0 }), grace_min: number({ ge: 0 }),
  source: [text(), ''],
});

// When an infusion starts a new series: a gap of more than long_gap_days since the last completed one.
const INFUSION_SERIES = record({ long_gap_days: number({ gt: 0 }), source: text({ min: 1 }) });

// The visits a rule runs on: their therapy and their protocol's kind (products.json declares both).
const NAMES = listOf(text({ min: 1 }), { min: 1 });
const RULE = record({
  id: text(), applies_to: record({ therapies: NAMES, protocol_kinds: NAMES }), severity: oneOf('info', 'warning', 'critical'), enabled: boolean(), message: text(),
  thresholds: mapOf(number()), supersedes: [listOf(text()), []], source: text({ min: 1 }),
  each: [text(), null], when: [text(), null], values: [mapOf(text()), {}],
});

const TIER = record({ grades: listOf(integer()), tier: text(), when: text(), actions: listOf(text()), source: text() });

// Who may write each kind and who may amend or void it (server/clinical/rulebook.py reads the same rows).
const WHO = oneOf('author', 'never');
const AUTHORITY = record({
  about: [text(), ''], kinds: mapOf(record({ written_by: listOf(text()), amend: WHO, void: WHO })),
});

// The rules file's shape this code reads (server/clinical/rulebook.py RULES_SCHEMA). A newer file is
// read for what this code knows: its unknown fields are ignored and a rule it cannot read is skipped.
export const RULES_SCHEMA = 3;
const FILE = record({
  schema: integer(), version: text({ min: 1 }), about: [text(), ''], rate_tolerance_ml_h: number({ ge: 0 }),
  late_entry_min: number({ gt: 0 }), vitals_schedule: VITALS_SCHEDULE, infusion_series: INFUSION_SERIES,
  entry_authority: AUTHORITY,
  rules: listOf((rule) => rule), reaction_tiers: listOf(TIER),
});
// The fields of `value` that the record check `shape` knows.
const known = (value, shape) => (isObject(value)
  ? Object.fromEntries(Object.entries(value).filter(([key]) => Object.hasOwn(shape.fields, key))) : value);

// A newer file as this code reads it: the fields it knows, at every level it checks.
function olderView(doc) {
  const view = known(doc, FILE);
  if (Array.isArray(view.reaction_tiers)) view.reaction_tiers = view.reaction_tiers.map((t) => known(t, TIER));
  return { ...view, vitals_schedule: known(view.vitals_schedule, VITALS_SCHEDULE),
    infusion_series: known(view.infusion_series, INFUSION_SERIES) };
}

// The rules of the file by id; a newer file's rule this code cannot read is skipped ({id, reason}).
function parseRules(list, newer, skipped) {
  const rules = {};
  list.forEach((raw, index) => {
    try {
      const rule = RULE(newer ? known(raw, RULE) : raw, `rules.rules[${index}]`);
      if (Object.hasOwn(rules, rule.id)) throw new Error('rule ids must be unique');
      rules[rule.id] = rule;
    } catch (error) {
      if (!newer) throw error;
      skipped.push({ id: String(raw?.id ?? index), reason: error.message });
    }
  });
  return rules;
}

// A file of a schema before applies_to (2) describes the IVIG-only world: each of its rules runs on
// every visit of that world (an upcast: a current file's rules must still name their own).
const upcast = (doc) => (Array.isArray(doc.rules)
  ? { ...doc, rules: doc.rules.map((rule) => ({ ...rule, applies_to: IVIG_ONLY })) } : doc);

// The rules file as {schema, newer, older, version, rate_tolerance_ml_h, late_entry_min, vitals_schedule,
// rules: {id: spec}, skipped: [{id, reason}], reaction_tiers, entry_authority, infusion_series}; throws on bad data of
// this code's schema (rule ids must be unique), skips what it cannot read of a newer one.
export function parseRulebook(rulesDoc) {
  const newer = Number.isInteger(rulesDoc?.schema) && rulesDoc.schema > RULES_SCHEMA;
  const older = Number.isInteger(rulesDoc?.schema) && rulesDoc.schema < RULES_SCHEMA;
  const file = FILE(newer ? olderView(rulesDoc) : older ? upcast(rulesDoc) : rulesDoc, 'rules');
  const skipped = [];
  const rules = parseRules(file.rules, newer, skipped);
  return deepFreeze({
    schema: file.schema, newer, older, version: file.version, rate_tolerance_ml_h: file.rate_tolerance_ml_h,
    late_entry_min: file.late_entry_min, vitals_schedule: file.vitals_schedule, rules, skipped,
    reaction_tiers: file.reaction_tiers, entry_authority: file.entry_authority,
    infusion_series: file.infusion_series,
  });
}

// A patient's schedule: the organization's, with the order's overrides (checked like the file).
export function vitalsScheduleFrom(base, overrides) {
  if (overrides === null || overrides === undefined) return base;
  if (!isObject(overrides)) throw new Error('order.vitals_schedule: must be an object');
  if (Object.keys(overrides).length === 0) return base;
  return deepFreeze(VITALS_SCHEDULE({ ...base, ...overrides }, 'order.vitals_schedule'));
}

// The guidance tier for a reaction grade, if the data covers that grade (else null).
export function suggestedActions(rulebook, grade) {
  return rulebook.reaction_tiers.find((tier) => tier.grades.includes(grade)) ?? null;
}

// Every therapy and protocol kind a rule names is one the products data declares; throws otherwise.
export function checkAppliesTo(book, catalog) {
  for (const spec of Object.values(book.rules)) {
    for (const field of ['therapies', 'protocol_kinds']) {
      const unknown = spec.applies_to[field].filter((name) => !catalog[field].includes(name)).sort();
      if (unknown.length) {
        throw new Error(`rules data: rule '${spec.id}' applies_to.${field} names undeclared ${unknown.join(', ')}`);
      }
    }
  }
}
