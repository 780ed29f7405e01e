// Threshold rules as data (port of server/clinical/expressions.py, whose docstring lists the facts): a
// rule of rules.json with a `when` is a CEL expression, true for each `each` entry that fires it, and
// `values` fill its message. Loaded with its CEL interpreter (vendor/cel-js) by import() when the
// workspace opens (rules.js loadExpressionLanguage), not at cold start; precached for offline visits.

import * as cel from '../vendor/cel-js/index.js';
import { utcDateOf } from '../rules/clock.js';
import { finding, ofKind } from '../rules/picture.js';
import { formatNumber, roundHalfUp } from '../rules/rounding.js';

const COMMON = { entry: 'map<string, dyn>', entry_date: 'string', order: 'map<string, dyn>' };
const PER_BASELINE = ['baseline', 'rise', 'fall', 'pct_of_baseline'];
const FACTS = {
  vitals: { ...COMMON, ...Object.fromEntries(PER_BASELINE.map((name) => [name, 'map<string, double>'])) },
  assessment: { ...COMMON, weight_change_pct: 'double' },
  'product.opened': COMMON,
  'reaction.observed': COMMON,
};

// JSON data as CEL sees it on both sides: numbers are doubles, null members are left out.
function celValue(value) {
  if (Array.isArray(value)) return value.map(celValue);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, celValue(v)]));
}

function environment(spec) {
  const env = new cel.Environment()
    .registerFunction('number_text(double): string', (x) => formatNumber(x, 2));
  for (const [name, type] of Object.entries(FACTS[spec.each])) env.registerVariable(name, type);
  for (const name of Object.keys(spec.thresholds)) env.registerVariable(name, 'double');
  return env;
}

function compile(env, text) {
  const checked = env.check(text);
  if (!checked.valid) throw new Error(`${text}: ${checked.error.message.split('\n')[0]}`);
  return env.parse(text);
}

// The rule as (picture, spec) -> findings; throws for what this code cannot evaluate (unknown `each`,
// fact or function, bad syntax), so the caller can skip the rule and say so.
export function compileRule(spec) {
  if (!Object.hasOwn(FACTS, spec.each ?? '')) throw new Error(`unknown each '${spec.each}'`);
  const env = environment(spec);
  const compiled = {
    when: compile(env, spec.when),
    values: Object.fromEntries(Object.entries(spec.values).map(([name, text]) => [name, compile(env, text)])),
  };
  return (picture) => evaluateRule(picture, spec, compiled);
}

function vitalsFacts(picture, point) {
  const facts = Object.fromEntries(PER_BASELINE.map((name) => [name, {}]));
  if (point.phase === 'pre') return facts;
  for (const [name, found] of Object.entries(picture.baseline)) {
    const value = point.entry.payload[name] ?? null;
    facts.baseline[name] = found.value;
    if (value === null) continue;
    facts.rise[name] = roundHalfUp(value - found.value, 1);
    facts.fall[name] = roundHalfUp(found.value - value, 1);
    if (found.value) facts.pct_of_baseline[name] = roundHalfUp(value / found.value * 100, 1);
  }
  return facts;
}

// Each entry the rule judges with the facts particular to its kind: [entry, facts].
function entriesOf(picture, each) {
  if (each === 'vitals') return picture.vitals.map((point) => [point.entry, vitalsFacts(picture, point)]);
  const dosing = picture.context.order.dosing_weight_kg;
  const own = each !== 'assessment' ? () => ({})
    : (entry) => ({ weight_change_pct: roundHalfUp(Math.abs(entry.payload.weight_kg - dosing) / dosing * 100, 1) });
  return ofKind(picture, each).map((entry) => [entry, own(entry)]);
}

const plain = (value) => (typeof value === 'bigint' ? Number(value) : value);

// Findings of an expression rule: one per entry where `when` holds, valued by `values`.
function evaluateRule(picture, spec, compiled) {
  const order = { dosing_weight_kg: picture.context.order.dosing_weight_kg };
  return entriesOf(picture, spec.each).flatMap(([entry, own]) => {
    const facts = celValue({ entry: entry.payload, entry_date: utcDateOf(entry.occurred_ms), order, ...own, ...spec.thresholds });
    const fires = compiled.when(facts);
    if (typeof fires !== 'boolean') throw new Error(`rule '${spec.id}': when gave ${fires}, not true or false`);
    if (!fires) return [];
    const values = Object.fromEntries(Object.entries(compiled.values).map(([name, run]) => [name, plain(run(facts))]));
    return [finding([entry.id], values)];
  });
}
