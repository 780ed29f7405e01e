// The alert rules file as data (port of server/clinical/rulebook.py): thresholds, messages, the vitals
// schedule and reaction guidance. Loaded once and passed around, so a pharmacist can override any
// number. `alerts.js` (loadRulebook) also checks that every rule the code evaluates is there.

import {
  boolean, deepFreeze, integer, listOf, mapOf, number, oneOf, record, text,
} from './data_checks.js';

const SCHEDULE_FIELDS = {
  titrating_every_min: number({ gt: 0 }), at_max_every_min: number({ gt: 0 }),
  increase_window_min: number({ ge: 0 }), completion_window_min: number({ ge: 0 }),
  observation_min: number({ ge: 0 }), observation_min_high_risk: number({ ge: 0 }), grace_min: number({ ge: 0 }),
  source: [text(), ''],
};
const VITALS_SCHEDULE = record(SCHEDULE_FIELDS);

// When an infusion starts a new series: a gap of more than long_gap_days since the last completed one.
const INFUSION_SERIES = record({ long_gap_days: number({ gt: 0 }), source: text({ min: 1 }) });

const RULE = record({
  id: text(), severity: oneOf('info', 'warning', 'critical'), enabled: boolean(), message: text(),
  thresholds: mapOf(number()), supersedes: [listOf(text()), []], source: text({ min: 1 }),
});

const TIER = record({
  grades: listOf(integer()), tier: text(), when: text(), actions: listOf(text()), source: text(),
});

// Who may write each kind and who may amend or void it (server/clinical/authority.py reads the same rows).
const WHO = oneOf('author', 'never');
const AUTHORITY = record({
  about: [text(), ''], kinds: mapOf(record({ written_by: listOf(text()), amend: WHO, void: WHO })),
});

const FILE = record({
  version: text({ min: 1 }), about: [text(), ''], rate_tolerance_ml_h: number({ ge: 0 }),
  late_entry_min: number({ gt: 0 }), vitals_schedule: VITALS_SCHEDULE, infusion_series: INFUSION_SERIES,
  entry_authority: AUTHORITY,
  rules: listOf(RULE), reaction_tiers: listOf(TIER),
});

// The rules file as {version, rate_tolerance_ml_h, late_entry_min, vitals_schedule, rules: {id: spec},
// reaction_tiers, entry_authority, infusion_series}; throws on bad data. Rule ids must be unique.
export function parseRulebook(rulesDoc) {
  const file = FILE(rulesDoc, 'rules');
  const ids = file.rules.map((rule) => rule.id);
  if (new Set(ids).size !== ids.length) throw new Error('rule ids must be unique');
  return deepFreeze({
    version: file.version, rate_tolerance_ml_h: file.rate_tolerance_ml_h, late_entry_min: file.late_entry_min,
    vitals_schedule: file.vitals_schedule, rules: Object.fromEntries(file.rules.map((rule) => [rule.id, rule])),
    reaction_tiers: file.reaction_tiers, entry_authority: file.entry_authority, infusion_series: file.infusion_series,
  });
}

// A patient's schedule: the organization's, with the order's overrides (checked like the file).
export function vitalsScheduleFrom(base, overrides) {
  if (overrides === null || overrides === undefined) return base;
  if (typeof overrides !== 'object' || Array.isArray(overrides)) {
    throw new Error('order.vitals_schedule: must be an object');
  }
  if (Object.keys(overrides).length === 0) return base;
  return deepFreeze(VITALS_SCHEDULE({ ...base, ...overrides }, 'order.vitals_schedule'));
}

// The guidance tier for a reaction grade, if the data covers that grade (else null).
export function suggestedActions(rulebook, grade) {
  return rulebook.reaction_tiers.find((tier) => tier.grades.includes(grade)) ?? null;
}
