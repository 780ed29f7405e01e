// The alert engine (port of server/clinical/rules.py): run every enabled rule of the rule book over a
// visit's clinical picture. Alerts get a deterministic id "{rule}:{first event id}", so the tablet and
// the server name the same alert the same way; messages are filled from the rules data; an alert that a
// stronger rule on the same entry supersedes (fever_severe over fever) is dropped.

import { orderPictures } from './picture.js';
import { formatNumber } from './rounding.js';
import { compareText } from './events.js';
import { RATE_RULES } from './rate_rules.js';
import { applies, parseRulebook } from './rulebook.js';
import { SCHEDULE_RULES } from './schedule.js';
import { VISIT_RULES } from './visit_rules.js';

// Rule id -> [evaluate(picture, spec) -> findings, thresholds its data row must provide, the values its
// findings report (what its message may name besides thresholds)].
const RULE_CODE = { ...RATE_RULES, ...VISIT_RULES, ...SCHEDULE_RULES };
// The rules that judge each order's pump, not only the primary's: the rate rules; what each start needs (a
// usable vial of that order's product, a passed kit check, baseline vital signs); that order's premedications;
// the vital signs its run calls for (the cadence, around each increase, at its stop), where they apply to it;
// where its start and its rises stand against its step table (those three are data).
const PUMP_RULES = new Set([...Object.keys(RATE_RULES), 'start_not_ready', 'kit_missing', 'premed_missing', 'vitals_baseline_missing',
  'vitals_overdue', 'vitals_at_increase_missing', 'vitals_completion_missing', 'start_rate_high', 'start_rate_skips_steps',
  'rate_skips_steps', 'pump_volume_far_from_rates']);

// The version of server/clinical/data/facts.json this code computes (lazy/expressions.js factsOf).
export const FACTS_VERSION = 9;

// Rules that were code in earlier rules files and are data now: their definitions, for an older cached
// file whose row still asks for code this tablet no longer has. Each is its row of rules.json
// (tests/js/older_reference.test.mjs holds them to it).
const NOW_DATA = {
  start_rate_high: {
    each: 'infusion.started',
    when: "visit.pump in ['idle', 'stopped'] && entry.rate_ml_h > visit.steps_ml_h[0] + tolerance_ml_h",
    values: { rate_ml_h: 'entry.rate_ml_h', start_ml_h: 'visit.steps_ml_h[0]' }, thresholds: { tolerance_ml_h: 0.5 },
  },
};
export const NOW_DATA_IDS = Object.keys(NOW_DATA);

// The rule as this code runs it: an older row of a rule now data, with its definition.
const asData = (spec) => (spec.when === null && Object.hasOwn(NOW_DATA, spec.id)
  ? { ...spec, ...NOW_DATA[spec.id], thresholds: { ...NOW_DATA[spec.id].thresholds, ...spec.thresholds } } : spec);

// How this code evaluates a rule, (picture, spec) -> findings: its expressions or its code; throws
// when it cannot.
function runnerOf(spec, expressions, factsDoc) {
  if (spec.when !== null) {
    if (!expressions) throw new Error('the expression language is not loaded');
    return expressions.compileRule(spec, factsDoc);
  }
  if (!Object.hasOwn(RULE_CODE, spec.id)) throw new Error('no code for this rule on this tablet');
  const [evaluate, needs, reports] = RULE_CODE[spec.id];
  const absent = needs.filter((name) => !Object.hasOwn(spec.thresholds, name));
  if (absent.length) throw new Error(`lacks thresholds ${absent.join(', ')}`);
  // A newer message naming a value this code does not report would fail at every alert: the rule waits for the update.
  const unreported = [...spec.message.matchAll(/\{(\w+)\}/g)].map((m) => m[1])
    .filter((name) => !reports.includes(name) && !Object.hasOwn(spec.thresholds, name));
  if (unreported.length) throw new Error(`its message names ${unreported.join(', ')}, which this tablet's code does not report`);
  return evaluate;
}

// The rule book from the rules.json document (in /api/reference) and the expression evaluator with the
// facts document packaged with it (rules.js loadExpressionLanguage: `expressions.facts`).
// The tablet may run older code than the server: it keeps every rule it can evaluate and lists the
// others in `skipped` [{id, reason}]; `update_waiting` says a reload would bring the missing code.
// Throws only on a file of this code's schema that is bad as a whole (or when `expressions` is left out).
export function loadRulebook(rulesDoc, expressions, factsDoc = expressions?.facts) {
  if (expressions === undefined) {
    throw new TypeError('loadRulebook(doc, expressions): pass await loadExpressionLanguage(), or null');
  }
  const book = parseRulebook(rulesDoc);
  const rules = {}, runners = {}, skipped = [...book.skipped];
  for (const [id, row] of Object.entries(book.rules)) {
    try {
      const spec = asData(row);
      runners[id] = runnerOf(spec, expressions, factsDoc);
      rules[id] = spec;
    } catch (error) {
      skipped.push({ id, reason: error.message });
    }
  }
  return Object.freeze({
    ...book, rules: Object.freeze(rules), skipped: Object.freeze(skipped), runners: Object.freeze(runners),
    update_waiting: book.newer || skipped.length > 0,
  });
}


// Fill {name} placeholders; numbers are written half-up to 0.01 without trailing zeros.
function renderMessage(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => {
    if (!Object.hasOwn(values, name)) throw new Error(`message placeholder {${name}} has no value`);
    const value = values[name];
    return typeof value === 'string' ? value : formatNumber(value, 2);
  });
}

// `order`: the additional order whose pump the alert is about (null: the visit's), named before the message
// and in the id, so two pumps of one product each keep their alert on a lot both see.
function alertOf(spec, found, order, product) {
  const values = { ...spec.thresholds, ...found.values };
  const [about, tag] = order === null ? ['', ''] : [`${product} (order ${order.id}): `, `:order-${order.id}`];
  return {
    id: `${spec.id}:${found.event_ids[0]}${tag}`, rule: spec.id, severity: spec.severity,
    message: about + renderMessage(spec.message, values), event_ids: [...found.event_ids],
  };
}

function withoutSuperseded(alerts, active) {
  const fired = new Set(alerts.map((alert) => `${alert.rule}\u0000${alert.event_ids[0]}`));
  return alerts.filter((alert) => !active.some((spec) =>
    fired.has(`${spec.id}\u0000${alert.event_ids[0]}`) && spec.supersedes.includes(alert.rule)));
}

// Alerts {id, rule, severity, message, event_ids} of the rules that apply to the visit, ordered by the
// fold position of their entry, then by rule id. Each additional order's pump is judged too, by the pump's
// rules (PUMP_RULES) that apply to that order's protocol, against its own limits (orderPictures).
export function evaluateAlerts(picture) {
  const pump = (spec) => PUMP_RULES.has(spec.id);
  const alerts = [alertsOf(picture, () => true), ...orderPictures(picture).map((other) => alertsOf(other, pump, other.context.order))].flat();
  const rank = new Map([...picture.entries, ...picture.other_runs.flatMap((run) => run.entries)].map((e) => [e.id, e.rank]));
  const at = (alert) => rank.get(alert.event_ids[0]) ?? -1;
  return alerts.sort((a, b) => (at(a) - at(b)) || compareText(a.rule, b.rule));
}

function alertsOf(picture, judges, order = null) {
  const { rulebook: book, protocol } = picture.context;
  const active = Object.keys(book.rules).sort(compareText).map((id) => book.rules[id])
    .filter((spec) => applies(spec, protocol) && judges(spec));
  const alerts = active.flatMap((spec) => book.runners[spec.id](picture, spec).map((found) => alertOf(spec, found, order, protocol.product.name)));
  return withoutSuperseded(alerts, active);
}
