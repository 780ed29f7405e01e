// Threshold rules as data (port of server/clinical/expressions.py): a rule of rules.json with a `when`
// is a CEL expression over the facts that server/clinical/data/facts.json declares (the `facts` of
// /api/reference), true for each `each` entry that fires it, and `values` fill its message. Loaded with
// its CEL interpreter (vendor/cel-js) by import() when the workspace opens (rules.js
// loadExpressionLanguage), not at cold start; precached for offline visits.

import * as cel from '../vendor/cel-js/index.js';
import { minutesBetween, utcDateOf } from '../rules/clock.js';
import { volumeMl } from '../rules/infusion.js';
import { finding, ofKind, stepOf } from '../rules/picture.js';
import { formatNumber, roundHalfUp } from '../rules/rounding.js';
import { casefold, productName } from '../rules/visit_rules.js';

const PER_BASELINE = ['baseline', 'rise', 'fall', 'pct_of_baseline'];

// The facts of an entry of kind `each`, as the facts document packaged with this code declares them.
export function declared(factsDoc, each) {
  if (!factsDoc?.each) throw new Error('no facts document (it loads with the expression language)');
  if (!Object.hasOwn(factsDoc.each, each)) throw new Error(`unknown each '${each}'`);
  return { ...factsDoc.every_entry, ...factsDoc.each[each] };
}

// `fact.member` names of a fact with declared members (order, visit, start) that it does not have.
const unknownMembers = (text, facts) => [...text.matchAll(/\b(\w+)\.(\w+)/g)].filter(([, name, member]) =>
  Object.hasOwn(facts, name) && facts[name].members && !Object.hasOwn(facts[name].members, member)).map(([m]) => m);

// JSON data as CEL sees it on both sides: numbers are doubles, null members are left out.
const celValue = (value) => (Array.isArray(value) ? value.map(celValue)
  : typeof value !== 'object' || value === null ? value
    : Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, celValue(v)])));

function compile(env, text, facts) {
  const checked = env.check(text);
  if (!checked.valid) throw new Error(`${text}: ${checked.error.message.split('\n')[0]}`);
  const unknown = unknownMembers(text, facts);
  if (unknown.length) throw new Error(`${text}: unknown ${unknown.join(', ')}`);
  return env.parse(text);
}

function vitalsFacts(picture, entry) {
  const facts = Object.fromEntries(PER_BASELINE.map((name) => [name, {}]));
  for (const [name, found] of picture.infusion.state_at.get(entry.id) === 'idle' ? [] : Object.entries(picture.baseline)) {
    const value = entry.payload[name] ?? null;
    facts.baseline[name] = found.value;
    if (value === null) continue;
    facts.rise[name] = roundHalfUp(value - found.value, 1);
    facts.fall[name] = roundHalfUp(found.value - value, 1);
    if (found.value) facts.pct_of_baseline[name] = roundHalfUp(value / found.value * 100, 1);
  }
  return facts;
}

// The facts of this entry's kind (facts.json `each`).
// Steps of the table strictly between the running rate and a higher new one (null: not a rise).
function stepsSkipped(picture, running, rate) {
  const tolerance = picture.context.rulebook.rate_tolerance_ml_h;
  if (running === null || rate <= running + tolerance) return null;
  return picture.schedule.filter((step) => running + tolerance < step.rate_ml_h && step.rate_ml_h < rate - tolerance).length;
}

const INTERRUPTIONS = ['infusion.paused', 'infusion.stopped']; // of the picture's own pump

function ownFacts(picture, entry) {
  const { payload } = entry, start = picture.infusion.first_start, dosing = picture.context.order.dosing_weight_kg;
  if (entry.kind === 'vitals') return vitalsFacts(picture, entry);
  if (entry.kind === 'assessment') return { weight_change_pct: roundHalfUp(Math.abs(payload.weight_kg - dosing) / dosing * 100, 1) };
  if (entry.kind === 'medication.given') {
    const before = picture.entries.filter((e) => e.kind === 'medication.given' && e.rank < entry.rank
      && casefold(e.payload.drug) === casefold(payload.drug)).at(-1);
    return { start: { lead_min: start === null ? null : roundHalfUp(minutesBetween(entry.occurred_ms, start), 0) },
      same_drug_before: { gap_min: before ? roundHalfUp(minutesBetween(before.occurred_ms, entry.occurred_ms), 1) : null } };
  }
  if (entry.kind === 'reaction.observed') {
    const gaps = picture.entries.filter((e) => e.kind === 'vitals').map((e) => roundHalfUp(minutesBetween(entry.occurred_ms, e.occurred_ms), 1));
    const least = (values) => (values.length ? Math.min(...values) : null);
    return { reaction_medications_after: picture.entries.filter((e) => e.kind === 'medication.given'
      && e.payload.purpose === 'reaction' && e.occurred_ms >= entry.occurred_ms).length,
    vitals_around: { last_before_min: least(gaps.filter((gap) => gap <= 0).map(Math.abs)), first_after_min: least(gaps.filter((gap) => gap > 0)) },
    pump_interrupted_after: { min: least(picture.entries.filter((e) => INTERRUPTIONS.includes(e.kind) && e.occurred_ms >= entry.occurred_ms)
      .map((e) => roundHalfUp(minutesBetween(entry.occurred_ms, e.occurred_ms), 1))) } };
  }
  if (entry.kind === 'visit.ended') {
    return { nurse_signatures: picture.entries.filter((e) => e.kind === 'signature' && e.payload.role === 'nurse' && e.rank < entry.rank).length };
  }
  if (entry.kind === 'infusion.rate_changed') {
    return { increase: { steps_skipped: stepsSkipped(picture, picture.infusion.rate_at.get(entry.id) ?? null, payload.rate_ml_h) } };
  }
  if (entry.kind === 'infusion.stopped') { // the segments the stop ends or follows (a later run starts after it)
    const run = picture.infusion.segments.filter((s) => s.start < entry.occurred_ms);
    return { rates_volume_ml: roundHalfUp(volumeMl(run, entry.occurred_ms), 1) };
  }
  if (entry.kind !== 'product.opened') return {};
  const { product_id: id } = payload;
  return { product_name: productName(picture, id), ordered: id === picture.context.order.product_id || picture.foreign_products.includes(id) };
}

// The visit at the entry's time (facts.json `visit`): what the fold knew just before it.
function visitFacts(picture, entry) {
  const rate = picture.infusion.rate_at.get(entry.id), first = picture.infusion.rate_events[0]?.entry ?? null;
  const before = picture.entries.filter((e) => e.rank < entry.rank);
  const grades = before.filter((e) => e.kind === 'reaction.observed').map((e) => e.payload.grade);
  const lots = new Set([...before, entry].filter((e) => e.kind === 'product.opened')
    .map((e) => JSON.stringify([e.payload.product_id, e.payload.lot])));
  return {
    rate_ml_h: rate, step_index: stepOf(picture, rate), last_reaction_grade: grades.at(-1) ?? null,
    since_start_min: first === null || first.rank >= entry.rank ? null
      : roundHalfUp(minutesBetween(first.occurred_ms, entry.occurred_ms), 1),
    series_number: picture.context.series_place?.number ?? null, target_ml_h: picture.aim[0], target_holds: picture.aim[2],
    protocol_kind: picture.context.protocol.kind, lots_opened: lots.size,
    pump: picture.infusion.state_at.get(entry.id), steps_ml_h: picture.schedule.map((step) => step.rate_ml_h),
  };
}

// Every fact the facts document declares for the entry (null: absent), from the fold's picture.
export function factsOf(picture, entry) {
  const { dosing_weight_kg, product_id } = picture.context.order;
  return {
    entry: entry.payload, entry_date: utcDateOf(entry.occurred_ms),
    order: { dosing_weight_kg, product_id, product_name: productName(picture, product_id) },
    visit: visitFacts(picture, entry), ...ownFacts(picture, entry),
  };
}

// Each judged entry's facts as CEL reads them, by picture and entry id: one computation per entry and fold,
// not one per rule (7 rules judge each vital sign; a 6-hour fold took 10.8 ms, now 4.3 ms in Node).
const factsMemo = new WeakMap();

function celFactsOf(picture, entry) {
  if (!factsMemo.has(picture)) factsMemo.set(picture, new Map());
  const memo = factsMemo.get(picture);
  if (!memo.has(entry.id)) memo.set(entry.id, celValue(factsOf(picture, entry)));
  return memo.get(entry.id);
}

// The rule as (picture) -> findings, one per entry where `when` holds, valued by `values`; throws for
// what this code cannot evaluate (unknown `each`, fact or function, bad syntax): the caller skips it.
export function compileRule(spec, factsDoc) {
  const facts = declared(factsDoc, spec.each ?? '');
  const unfilled = [...spec.message.matchAll(/\{(\w+)\}/g)].map((m) => m[1])
    .filter((name) => !Object.hasOwn(spec.values, name) && !Object.hasOwn(spec.thresholds, name));
  if (unfilled.length) throw new Error(`message placeholders without a value: ${unfilled.join(', ')}`);
  const env = new cel.Environment().registerFunction('number_text(double): string', (x) => formatNumber(x, 2));
  for (const [name, { type }] of Object.entries(facts)) env.registerVariable(name, type);
  for (const name of Object.keys(spec.thresholds)) env.registerVariable(name, 'double');
  const when = compile(env, spec.when, facts);
  const values = Object.entries(spec.values).map(([name, text]) => [name, compile(env, text, facts)]);
  const plain = (value) => (typeof value === 'bigint' ? Number(value) : value);
  const thresholds = celValue(spec.thresholds);
  return (picture) => ofKind(picture, spec.each).flatMap((entry) => {
    const given = { ...celFactsOf(picture, entry), ...thresholds };
    const fires = when(given);
    if (typeof fires !== 'boolean') throw new Error(`rule '${spec.id}': when gave ${fires}, not true or false`);
    return fires ? [finding([entry.id], Object.fromEntries(values.map(([name, run]) => [name, plain(run(given))])))] : [];
  });
}
