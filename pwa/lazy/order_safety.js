// Order safety (port of server/clinical/order_safety.py; CLINICAL.md s.2): an order's rate cap or
// explicit mL/h steps above the label maximum, or above the at-risk cap for a patient at risk of
// thrombosis or renal dysfunction, a first step above the label's start or steps sooner than it lets a rate
// run, stand only with a pharmacist's override and its reason. For an
// at-risk patient on a product whose label gives no numeric at-risk cap, the order must carry an
// explicit cap unless the organization set a default; that problem has no override. A product without
// verified rates has no label row (label null): its order must carry its own cap and keep its steps within
// it, with no override. Loaded on demand by
// the visit screen (it is not needed at a cold start); the shared vectors hold it to the server's answers.

import { atRiskLimit, limitExceededBy, pumpRateIn } from '../rules/rates.js';
import { formatNumber } from '../rules/rounding.js';

export const OVERRIDE_HINT = 'lower it, or record a pharmacist override with the reason';
export const LENGTHEN_HINT = 'lengthen it, or record a pharmacist override with the reason';

// A problem's message without what to do about it: what an override records and the tablet shows.
export const findingOf = (message) => [OVERRIDE_HINT, LENGTHEN_HINT]
  .reduce((text, hint) => (text.endsWith(`: ${hint}.`) ? text.slice(0, -`: ${hint}.`.length) : text), message);
const mlH = (value) => `${formatNumber(value, 1)} mL/h`;
const limitText = (limit) => (limit.exclusive ? `must stay below ${mlH(limit.ml_h)}` : mlH(limit.ml_h));
const rates = (values) => `${values.map((v) => formatNumber(v, 1)).join(', ')} mL/h`;

// The cap and the steps of an order compared with one limit.
function against(limit, name, cap_ml_h, steps, [capCode, stepsCode]) {
  const found = [];
  if (cap_ml_h != null && limitExceededBy(limit, cap_ml_h)) {
    found.push({ code: capCode, field: 'rate_cap_ml_h', overridable: true,
      message: `The rate cap ${mlH(cap_ml_h)} is above the ${name} (${limitText(limit)}): ${OVERRIDE_HINT}.` });
  }
  const high = steps.filter((step) => limitExceededBy(limit, step));
  if (high.length) {
    found.push({ code: stepsCode, field: 'steps_ml_h', overridable: true,
      message: `Steps ${rates(high)} are above the ${name} (${limitText(limit)}): ${OVERRIDE_HINT}.` });
  }
  return found;
}

// The first explicit step compared with the label's start rate: the higher of the first infusion's and the
// later infusions' (an order's steps serve every infusion of the series).
// The label's start rates, [mL/h at the weight, the label's rate, its protocol]: the first infusion's and the later ones'.
const labelStarts = (label, weight_kg) => [label, label.subsequent].filter((p) => p && p.ladder.length)
  .map((p) => [pumpRateIn(p, p.ladder[0], p.rate_unit, weight_kg), p.ladder[0], p]);
const startText = ([ml_h, rate, protocol], weight_kg) =>
  `the label's start rate (${formatNumber(rate, 2)} ${protocol.rate_unit} at ${formatNumber(weight_kg, 1)} kg: ${mlH(ml_h)})`;

function aboveStart(label, weight_kg, steps) {
  const starts = labelStarts(label, weight_kg);
  if (!steps.length || !starts.length) return [];
  const start = starts.reduce((best, s) => (s[1] > best[1] ? s : best));
  if (!(steps[0] > start[0])) return [];
  return [{ code: 'first_step_above_label_start', field: 'steps_ml_h', overridable: true,
    message: `The first step ${mlH(steps[0])} is above ${startText(start, weight_kg)}: ${OVERRIDE_HINT}.` }];
}

// A cap below the label's (lowest) start rate: the infusion could never reach its first step (order_safety.py).
function capBelowStart(label, weight_kg, cap_ml_h) {
  const starts = labelStarts(label, weight_kg);
  if (cap_ml_h === null || !starts.length) return [];
  const start = starts.reduce((low, s) => (s[0] < low[0] ? s : low));
  if (!(cap_ml_h < start[0])) return [];
  return [{ code: 'cap_below_label_start', field: 'rate_cap_ml_h', overridable: true,
    message: `The rate cap ${mlH(cap_ml_h)} is below ${startText(start, weight_kg)}: check it is in mL/h, or record a pharmacist `
      + 'override with the reason.' }];
}

// How long the label (or maker, or organization) holds a rate before the next step, and which rate that is
// said of: the longer of the start rate's time and the later rates' (an order's one interval times both);
// null where ivlog generated both times.
function held(protocol) {
  const said = [[protocol.first_step_min, protocol.first_step_source, ' at the start rate'],
    [protocol.step_min, protocol.step_source, ' at each later rate']]
    .filter(([, source]) => source != null && source !== 'generated');
  if (!said.length) return null;
  const longest = Math.max(...said.map(([minutes]) => minutes));
  const binding = said.filter(([minutes]) => minutes === longest);
  return [longest, binding.length === 2 ? '' : binding[0][2]];
}

// Explicit steps sooner than the label lets a rate run; of the first and later infusions' labels, the shorter holds.
function intervalBelow(label, steps, interval_min) {
  const times = [label, label.subsequent].filter(Boolean).map(held);
  if (!steps.length || interval_min == null || times.includes(null)) return [];
  const [least, where] = times.reduce((best, time) => (time[0] < best[0] ? time : best));
  if (!(interval_min < least)) return [];
  return [{ code: 'step_interval_below_label', field: 'step_interval_min', overridable: true,
    message: `Steps every ${formatNumber(interval_min, 1)} min come sooner than the label lets a rate run `
      + `(${formatNumber(least, 1)} min${where}): ${LENGTHEN_HINT}.` }];
}

// Steps sooner than vital signs are checked while titrating (CLINICAL.md s.3): the floor where the label is silent.
function soonerThanVitals(steps, interval_min, vitals_every_min) {
  if (!steps.length || interval_min == null || vitals_every_min == null || interval_min >= vitals_every_min) return [];
  return [{ code: 'step_interval_below_vitals', field: 'step_interval_min', overridable: true,
    message: `Steps every ${formatNumber(interval_min, 1)} min come sooner than vital signs are checked while titrating `
      + `(every ${formatNumber(vitals_every_min, 1)} min): ${LENGTHEN_HINT}.` }];
}

// The cap an at-risk patient runs under: the label's numeric one, else the order's, else the default.
function atRiskOf(label, weight_kg, cap_ml_h, at_risk_default_mg_kg_min) {
  if (label.at_risk_cap == null && cap_ml_h != null) return { ml_h: cap_ml_h, source: 'order_cap', exclusive: false };
  return atRiskLimit(label, { weight_kg, at_risk_default_mg_kg_min });
}

// Steps above the order's own cap contradict it (the bedside holds the cap): no override, as order_safety.py.
function aboveOwnCap(cap_ml_h, steps) {
  const high = cap_ml_h == null ? [] : steps.filter((step) => step > cap_ml_h);
  return high.length ? [{ code: 'steps_above_order_cap', field: 'steps_ml_h', overridable: false,
    message: `Steps ${rates(high)} are above the order's rate cap (${mlH(cap_ml_h)}): lower them or raise the cap.` }] : [];
}

// An order for a product without verified rates: the order's cap is the only bound.
function unratedCheck(cap_ml_h, steps, at_risk) {
  const problems = aboveOwnCap(cap_ml_h, steps);
  if (cap_ml_h == null) {
    problems.push({ code: 'order_cap_missing', field: 'rate_cap_ml_h', overridable: false,
      message: 'Rates not verified for this product, so no label maximum bounds the order: enter a rate cap in mL/h.' });
  }
  const risk = at_risk ? cap_ml_h : null;
  return { label_max_ml_h: null, at_risk_cap_ml_h: risk, at_risk_cap_source: risk == null ? null : 'order_cap', problems };
}

// {label_max_ml_h, at_risk_cap_ml_h, at_risk_cap_source, problems: [{code, field, message, overridable}]}
// for an order on `label` (the product and indication's label row; null for a product without verified
// rates) at this dosing weight.
export function checkOrder(label, {
  weight_kg, cap_ml_h = null, steps_ml_h = null, step_interval_min = null, at_risk = false, at_risk_default_mg_kg_min = null,
  vitals_every_min = null,
}) {
  const steps = steps_ml_h ?? [];
  const cadence = soonerThanVitals(steps, step_interval_min, vitals_every_min);
  if (label === null) {
    const unrated = unratedCheck(cap_ml_h, steps, at_risk);
    return { ...unrated, problems: [...unrated.problems, ...cadence] };
  }
  const top = { ml_h: pumpRateIn(label, label.ladder.at(-1), label.rate_unit, weight_kg), source: 'label_max', exclusive: false };
  const maxText = `label maximum of ${formatNumber(label.ladder.at(-1), 2)} ${label.rate_unit} at ${formatNumber(weight_kg, 1)} kg`;
  const problems = [...against(top, maxText, cap_ml_h, steps, ['cap_above_label_max', 'steps_above_label_max']),
    ...aboveStart(label, weight_kg, steps), ...capBelowStart(label, weight_kg, cap_ml_h), ...aboveOwnCap(cap_ml_h, steps)];
  const interval = intervalBelow(label, steps, step_interval_min);
  problems.push(...(interval.length ? interval : cadence));
  if (!at_risk) return { label_max_ml_h: top.ml_h, at_risk_cap_ml_h: null, at_risk_cap_source: null, problems };
  const risk = atRiskOf(label, weight_kg, cap_ml_h, at_risk_default_mg_kg_min);
  if (risk.source === 'at_risk_minimum') {
    problems.push({ code: 'at_risk_cap_missing', field: 'rate_cap_ml_h', overridable: false,
      message: 'The patient is at risk of thrombosis or renal dysfunction and this label gives no numeric at-risk cap '
        + '(minimum rate practicable): enter a rate cap in mL/h.' });
  } else if (risk.source !== 'order_cap') {
    const name = risk.source === 'at_risk_cap' ? 'at-risk cap' : "organization's at-risk cap";
    problems.push(...against(risk, name, cap_ml_h, cap_ml_h != null ? [] : steps, ['cap_above_at_risk_cap', 'steps_above_at_risk_cap']));
  }
  return { label_max_ml_h: top.ml_h, at_risk_cap_ml_h: risk.ml_h, at_risk_cap_source: risk.source, problems };
}

// True when nothing is wrong, or only what an override may allow and one was recorded.
export function orderAccepted(safety, { overridden }) {
  if (safety.problems.some((problem) => !problem.overridable)) return false;
  return overridden || safety.problems.length === 0;
}

// The check for this visit's context (makeContext) and the patient's at-risk flag today; null without a label
// row, unless the product is one without verified rates; null for a fixed dose (hydration), which runs at the
// pharmacist's own rate, volume over time, as the server's order entry judges it (server/services/order_safety.py).
export function orderSafetyOf(context, at_risk) {
  const { label_protocol: label, order } = context;
  if ((!label && !context.unrated) || context.protocol.kind === 'fixed_dose') return null;
  return checkOrder(label, {
    weight_kg: order.dosing_weight_kg, cap_ml_h: order.rate_cap_ml_h, steps_ml_h: order.steps_ml_h, step_interval_min: order.step_min,
    vitals_every_min: context.vitals_schedule.titrating_every_min,
    at_risk, at_risk_default_mg_kg_min: context.organization.at_risk_cap_mg_kg_min,
  });
}
