// Threshold rules as data (port of server/clinical/expressions.py, whose docstring lists the facts): a
// rule of rules.json with a `when` is a CEL expression, true for each `each` entry that fires it, and
// `values` fill its message. Loaded with its CEL interpreter (vendor/cel-js) by import() when the
// workspace opens (rules.js loadExpressionLanguage), not at cold start; precached for offline visits.

import * as cel from '../vendor/cel-js/index.js';
import { minutesBetween, utcDateOf } from '../rules/clock.js';
import { finding, ofKind } from '../rules/picture.js';
import { formatNumber, roundHalfUp } from '../rules/rounding.js';
import { productName } from '../rules/visit_rules.js';

const COMMON = { entry: 'map<string, dyn>', entry_date: 'string', order: 'map<string, dyn>' };
const PER_BASELINE = ['baseline', 'rise', 'fall', 'pct_of_baseline'];
const FACTS = {
  vitals: { ...COMMON, ...Object.fromEntries(PER_BASELINE.map((name) => [name, 'map<string, double>'])) },
  assessment: { ...COMMON, weight_change_pct: 'double' },
  'medication.given': { ...COMMON, start: 'map<string, double>' },
  'product.opened': { ...COMMON, product_name: 'string' },
  'reaction.observed': COMMON,
};

// JSON data as CEL sees it on both sides: numbers are doubles, null members are left out.
const celValue = (value) => (Array.isArray(value) ? value.map(celValue)
  : typeof value !== 'object' || value === null ? value
    : Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, celValue(v)])));

function compile(env, text) {
  const checked = env.check(text);
  if (!checked.valid) throw new Error(`${text}: ${checked.error.message.split('\n')[0]}`);
  return env.parse(text);
}

function vitalsFacts(picture, point) {
  const facts = Object.fromEntries(PER_BASELINE.map((name) => [name, {}]));
  for (const [name, found] of point.phase === 'pre' ? [] : Object.entries(picture.baseline)) {
    const value = point.entry.payload[name] ?? null;
    facts.baseline[name] = found.value;
    if (value === null) continue;
    facts.rise[name] = roundHalfUp(value - found.value, 1);
    facts.fall[name] = roundHalfUp(found.value - value, 1);
    if (found.value) facts.pct_of_baseline[name] = roundHalfUp(value / found.value * 100, 1);
  }
  return facts;
}

// Each entry the rule judges with its facts (the rule's thresholds apart): [entry, facts].
function entriesOf(picture, each) {
  const { dosing_weight_kg: dosing, product_id } = picture.context.order, start = picture.infusion.first_start;
  const order = { dosing_weight_kg: dosing, product_id, product_name: productName(picture, product_id) };
  const own = {
    'product.opened': (e) => ({ product_name: productName(picture, e.payload.product_id) }),
    assessment: (e) => ({ weight_change_pct: roundHalfUp(Math.abs(e.payload.weight_kg - dosing) / dosing * 100, 1) }),
    'medication.given': (e) => ({ start: start === null ? {} : { lead_min: roundHalfUp(minutesBetween(e.occurred_ms, start), 1) } }),
  }[each] ?? (() => ({}));
  const pairs = each === 'vitals' ? picture.vitals.map((point) => [point.entry, vitalsFacts(picture, point)])
    : ofKind(picture, each).map((entry) => [entry, own(entry)]);
  return pairs.map(([entry, facts]) => [entry, {
    entry: entry.payload, entry_date: utcDateOf(entry.occurred_ms), order, ...facts,
  }]);
}

// The rule as (picture) -> findings, one per entry where `when` holds, valued by `values`; throws for
// what this code cannot evaluate (unknown `each`, fact or function, bad syntax): the caller skips it.
export function compileRule(spec) {
  if (!Object.hasOwn(FACTS, spec.each ?? '')) throw new Error(`unknown each '${spec.each}'`);
  const unfilled = [...spec.message.matchAll(/\{(\w+)\}/g)].map((m) => m[1])
    .filter((name) => !Object.hasOwn(spec.values, name) && !Object.hasOwn(spec.thresholds, name));
  if (unfilled.length) throw new Error(`message placeholders without a value: ${unfilled.join(', ')}`);
  const env = new cel.Environment().registerFunction('number_text(double): string', (x) => formatNumber(x, 2));
  for (const [name, type] of Object.entries(FACTS[spec.each])) env.registerVariable(name, type);
  for (const name of Object.keys(spec.thresholds)) env.registerVariable(name, 'double');
  const when = compile(env, spec.when);
  const values = Object.entries(spec.values).map(([name, text]) => [name, compile(env, text)]);
  const plain = (value) => (typeof value === 'bigint' ? Number(value) : value);
  return (picture) => entriesOf(picture, spec.each).flatMap(([entry, known]) => {
    const facts = celValue({ ...known, ...spec.thresholds });
    const fires = when(facts);
    if (typeof fires !== 'boolean') throw new Error(`rule '${spec.id}': when gave ${fires}, not true or false`);
    return fires ? [finding([entry.id], Object.fromEntries(values.map(([name, run]) => [name, plain(run(facts))])))] : [];
  });
}
