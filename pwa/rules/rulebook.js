// The alert rules file as data (port of server/clinical/rulebook.py): thresholds, messages, the vitals
// schedule and reaction guidance. Loaded once and passed around, so a pharmacist can override any
// number. `alerts.js` (loadRulebook) keeps the rules this code can evaluate and lists the others.

import { checker, deepFreeze, isObject, loadSchema } from './shapes.js';
import { IVIG_ONLY } from './catalog.js';

// The rules file's shape is rules.schema.json (the server checks the same); this code reads the files
// up to its RULES_SCHEMA (server/clinical/rulebook.py). A newer file is read for what this code knows:
// its unknown fields are ignored and a rule it cannot read is skipped, so rules are checked one by one.
export const RULES_SCHEMA = 6;
const APPLIES_TO_SCHEMA = 3; // the first shape whose rules name their therapies and protocol kinds
const SCHEMA = await loadSchema('rules');
const DEFS = SCHEMA.$defs;
const FILE = checker({ ...SCHEMA, properties: { ...SCHEMA.properties, rules: { type: 'array' } } });
const RULE = checker(SCHEMA, 'rule');
const VITALS_SCHEDULE = checker(SCHEMA, 'vitals_schedule');

// The fields of `value` that the schema part `shape` declares.
const known = (value, shape) => (isObject(value)
  ? Object.fromEntries(Object.entries(value).filter(([key]) => Object.hasOwn(shape.properties, key))) : value);

// A newer file as this code reads it: the fields it knows, at every level it checks.
function olderView(doc) {
  const view = known(doc, SCHEMA);
  if (Array.isArray(view.reaction_tiers)) view.reaction_tiers = view.reaction_tiers.map((t) => known(t, DEFS.reaction_tier));
  return { ...view, vitals_schedule: known(view.vitals_schedule, DEFS.vitals_schedule),
    infusion_series: known(view.infusion_series, DEFS.infusion_series) };
}

// The rules of the file by id; a newer file's rule this code cannot read is skipped ({id, reason}).
function parseRules(list, newer, skipped) {
  const rules = {};
  list.forEach((raw, index) => {
    try {
      const rule = RULE(newer ? known(raw, DEFS.rule) : raw, `rules.rules[${index}]`);
      if (Object.hasOwn(rules, rule.id)) throw new Error('rule ids must be unique');
      rules[rule.id] = rule;
    } catch (error) {
      if (!newer) throw error;
      skipped.push({ id: String(raw?.id ?? index), reason: error.message });
    }
  });
  return rules;
}

// A file of a schema before applies_to (2 or older) describes the IVIG-only world: each of its rules runs on
// every visit of that world (an upcast: a later file's rules name their own, and keep them).
const upcast = (doc) => (Array.isArray(doc.rules)
  ? { ...doc, rules: doc.rules.map((rule) => ({ ...rule, applies_to: IVIG_ONLY })) } : doc);

// The rules file as {schema, newer, older, version, rate_tolerance_ml_h, late_entry_min, vitals_schedule,
// rules: {id: spec}, skipped: [{id, reason}], reaction_tiers, entry_authority, infusion_series}; throws on bad data of
// this code's schema (rule ids must be unique), skips what it cannot read of a newer one.
// The rule runs on this pump: enabled, for its therapy and its protocol's kind (the alerts, and the
// vital-sign schedule's countdown, ask it alike).
export function applies(spec, protocol) {
  const scope = spec.applies_to;
  return spec.enabled && scope.therapies.includes(protocol.therapy) && scope.protocol_kinds.includes(protocol.kind);
}

export function parseRulebook(rulesDoc) {
  const newer = Number.isInteger(rulesDoc?.schema) && rulesDoc.schema > RULES_SCHEMA;
  const older = Number.isInteger(rulesDoc?.schema) && rulesDoc.schema < RULES_SCHEMA;
  const beforeAppliesTo = older && rulesDoc.schema < APPLIES_TO_SCHEMA;
  const file = FILE(newer ? olderView(rulesDoc) : beforeAppliesTo ? upcast(rulesDoc) : rulesDoc, 'rules');
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

// Every therapy and protocol kind a rule names is one the products data declares; throws otherwise. A
// products document from before therapies (catalog.older) cannot declare a newer rule's: not checked.
export function checkAppliesTo(book, catalog) {
  if (catalog.older) return;
  for (const spec of Object.values(book.rules)) {
    for (const field of ['therapies', 'protocol_kinds']) {
      const unknown = spec.applies_to[field].filter((name) => !catalog[field].includes(name)).sort();
      if (unknown.length) {
        throw new Error(`rules data: rule '${spec.id}' applies_to.${field} names undeclared ${unknown.join(', ')}`);
      }
    }
  }
}
