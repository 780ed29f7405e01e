// Rate arithmetic (port of server/clinical/rates.py): pump rates (mL/h) and the per-kg units labels
// use, the highest rate allowed, a protocol's step table for one patient, and the titration advice.
//
//   mL/h = mg/kg/min × kg × 60 ÷ concentration (mg/mL)
//   mL/h = mL/kg/min × kg × 60
//   mL/h = mL/kg/h × kg
//
// Conversions keep full precision; the step table rounds half up at the boundary: mL/h to 0.1 (what
// the pump is set to), mL/kg/h and mg/kg/min to 0.01 (what the table shows).

import { roundHalfUp } from './rounding.js';

const PER_MINUTE = 60.0;

// A rate in `unit` ("mL/h", "mL/kg/h", "mL/kg/min" or "mg/kg/min") as mL/h.
export function toMlH(rate, unit, { weight_kg, concentration_mg_ml } = {}) {
  if (unit === 'mL/h') return rate;
  if (unit === 'mL/kg/h') return rate * weight_kg;
  if (unit === 'mL/kg/min') return rate * weight_kg * PER_MINUTE;
  if (unit === 'mg/kg/min') return rate * weight_kg * PER_MINUTE / concentration_mg_ml;
  throw new Error(`no pump rate in mL/h for a rate in ${unit}`);
}

// A pump rate in mL/h expressed in `unit` (the inverse of toMlH).
export function fromMlH(rate_ml_h, unit, units = {}) {
  return rate_ml_h / toMlH(1.0, unit, units);
}

// One pump rate in the three units a record shows, rounded for display.
export function derivedRate(rate_ml_h, { weight_kg, concentration_mg_ml }) {
  const units = { weight_kg, concentration_mg_ml };
  return {
    rate_ml_h: roundHalfUp(rate_ml_h, 1),
    ml_kg_h: roundHalfUp(fromMlH(rate_ml_h, 'mL/kg/h', units), 2),
    mg_kg_min: roundHalfUp(fromMlH(rate_ml_h, 'mg/kg/min', units), 2),
  };
}

const unitsOf = (protocol, weight_kg) => ({ weight_kg, concentration_mg_ml: protocol.product.concentration_mg_ml });
const isGiven = (value) => value != null;

// A rate in `unit` for this protocol's product at this weight, as the pump is set (0.1 mL/h).
export function pumpRateIn(protocol, rate, unit, weight_kg) {
  return roundHalfUp(toMlH(rate, unit, unitsOf(protocol, weight_kg)), 1);
}

// An at-risk patient's cap when the order gives none {ml_h, source, exclusive}: the label's numeric
// cap; else the organization's default (mg/kg/min); else the start rate ("minimum rate practicable").
export function atRiskLimit(protocol, { weight_kg, label = null, at_risk_default_mg_kg_min = null }) {
  const row = protocol.basis === 'label' ? protocol : label;
  if (row && isGiven(row.at_risk_cap)) {
    const cap = pumpRateIn(row, row.at_risk_cap, row.rate_unit, weight_kg);
    return { ml_h: cap, source: 'at_risk_cap', exclusive: row.at_risk_cap_exclusive };
  }
  if (isGiven(at_risk_default_mg_kg_min)) {
    return { ml_h: pumpRateIn(protocol, at_risk_default_mg_kg_min, 'mg/kg/min', weight_kg), source: 'at_risk_default', exclusive: false };
  }
  return { ml_h: pumpRateIn(protocol, protocol.ladder[0], protocol.rate_unit, weight_kg), source: 'at_risk_minimum', exclusive: false };
}

// The highest rate allowed in this visit {ml_h (0.1), source, exclusive}: the strictest of the protocol's
// maximum, the label maximum (`label`, for an order protocol) and the order's cap, or for an at-risk
// patient without one, the at-risk cap. An order's cap may replace the at-risk cap, never lift the label maximum.
// Only a kind with a ladder (weight_titration, fixed_steps, an order's fixed_dose) has rate maths; a fixed dose
// runs at its ordered rate, which the IVIG at-risk caps do not bound (LABELS.md s.6).
export function rateLimit(protocol, { weight_kg, cap_ml_h = null, at_risk = false, label = null, at_risk_default_mg_kg_min = null }) {
  if (!protocol.ladder.length) throw new Error(`no rate maths for a ${protocol.kind} protocol (${protocol.id})`);
  const fixedDose = protocol.kind === 'fixed_dose';
  const top = protocol.basis === 'label' ? 'label_max' : fixedDose ? 'order_rate' : 'order_max';
  const limits = [{ ml_h: pumpRateIn(protocol, protocol.ladder.at(-1), protocol.rate_unit, weight_kg), source: top, exclusive: false }];
  if (protocol.basis === 'order' && label) {
    limits.push({ ml_h: pumpRateIn(label, label.ladder.at(-1), label.rate_unit, weight_kg), source: 'label_max', exclusive: false });
  }
  if (isGiven(cap_ml_h)) limits.push({ ml_h: roundHalfUp(cap_ml_h, 1), source: 'order_cap', exclusive: false });
  else if (at_risk && !fixedDose) limits.push(atRiskLimit(protocol, { weight_kg, label, at_risk_default_mg_kg_min }));
  // The first of the lowest; an exclusive limit is stricter than an inclusive one at the same rate.
  return limits.reduce((best, limit) => (limit.ml_h < best.ml_h || (limit.ml_h === best.ml_h && limit.exclusive && !best.exclusive) ? limit : best));
}

export function limitExceededBy(limit, rate_ml_h) {
  return limit.exclusive ? rate_ml_h >= limit.ml_h : rate_ml_h > limit.ml_h;
}

// The ladder in mL/h (0.1), cut at the limit; a cut inclusive limit becomes the last step.
function stepRates(protocol, weight_kg, limit) {
  const rates = [];
  for (const rung of protocol.ladder) {
    const rate = pumpRateIn(protocol, rung, protocol.rate_unit, weight_kg);
    if (!limitExceededBy(limit, rate) && (!rates.length || rate > rates.at(-1))) rates.push(rate);
  }
  const top = pumpRateIn(protocol, protocol.ladder.at(-1), protocol.rate_unit, weight_kg);
  const cut = limit.ml_h < top;
  if (cut && !limit.exclusive && (!rates.length || limit.ml_h > rates.at(-1))) rates.push(limit.ml_h);
  return rates;
}

// How long a step is held before the next one: the first step (or no step yet) has its own time.
export function holdMin(protocol, index) {
  return index === null || index === 0 ? protocol.first_step_min : protocol.step_min;
}

// The titration as a table for this patient: steps {index, rate_ml_h, ml_kg_h, mg_kg_min, hold_min,
// starts_at_min}; hold_min is null for the last step (run it to the end).
export function stepSchedule(protocol, limits) {
  const { weight_kg } = limits;
  const limit = rateLimit(protocol, limits);
  const rates = stepRates(protocol, weight_kg, limit);
  const units = unitsOf(protocol, weight_kg);
  let startsAt = 0.0;
  return rates.map((rate, index) => {
    const last = index === rates.length - 1;
    const hold = last ? null : holdMin(protocol, index);
    const step = { index, ...derivedRate(rate, units), hold_min: hold, starts_at_min: startsAt };
    startsAt += hold || 0.0;
    return step;
  });
}

// The highest step this rate has reached (within the tolerance); null below the first step.
export function stepIndex(schedule, rate_ml_h, tolerance_ml_h) {
  const reached = schedule.filter((step) => step.rate_ml_h <= rate_ml_h + tolerance_ml_h);
  return reached.length ? reached.at(-1).index : null;
}

// The first step above this rate (beyond the tolerance); null at or above the last step.
export function nextStep(schedule, rate_ml_h, tolerance_ml_h) {
  return schedule.find((step) => step.rate_ml_h > rate_ml_h + tolerance_ml_h) ?? null;
}

// What rate comes next, and when (port of server/clinical/titration.py): one step at a time, not
// before the step's time is up, never above the maximum or cap, no increase while a reaction is ongoing
// (slow to the step below the rate it began at, then hold; or pause the pump when its tier says to
// interrupt), and after a reaction that subsided, go back to a lower rate, then re-increase one step at a
// time. Advice only.

// The highest step clearly below `rate_ml_h`; the first step when there is none.
function lowerThan(schedule, rate_ml_h, tolerance_ml_h) {
  const below = schedule.filter((step) => step.rate_ml_h < rate_ml_h - tolerance_ml_h);
  return below.length ? below.at(-1) : schedule[0];
}

// Advice {action, rate_ml_h, due_in_min, step_index, limit_ml_h}. `current_rate_ml_h` null means the
// infusion has not started; `reaction` ("none" | "ongoing" | "subsided") describes reactions during
// the current step; `reaction_rate_ml_h` is the rate they began at; `interrupt`: an ongoing one calls for
// pausing the pump, not slowing it. due_in_min 0 is "now", null "nothing due".
export function recommendNextRate(protocol, options) {
  const {
    weight_kg, current_rate_ml_h: current = null, minutes_at_rate = 0.0, paused = false, reaction = 'none',
    reaction_rate_ml_h = null, interrupt = false, cap_ml_h = null, at_risk = false, tolerance_ml_h = 0.5, label = null,
    at_risk_default_mg_kg_min = null,
  } = options;
  const limits = { weight_kg, cap_ml_h, at_risk, label, at_risk_default_mg_kg_min };
  const limit = rateLimit(protocol, limits);
  const schedule = stepSchedule(protocol, limits);
  const advise = (action, rate, due) => ({
    action, rate_ml_h: rate, due_in_min: due,
    step_index: rate === null ? null : stepIndex(schedule, rate, tolerance_ml_h), limit_ml_h: limit.ml_h,
  });
  if (current === null) return advise('start', schedule[0].rate_ml_h, 0.0);
  const reacted = reaction_rate_ml_h === null ? current : reaction_rate_ml_h;
  const lower = lowerThan(schedule, reacted, tolerance_ml_h).rate_ml_h;
  if (reaction === 'ongoing') {
    if (paused) return advise('hold', null, null);
    if (interrupt) return advise('interrupt', null, 0.0);
    if (current <= lower + tolerance_ml_h) return advise('hold', current, null);
    return advise('lower', lower, 0.0);
  }
  const fixed = protocol.kind === 'fixed_dose';  // one ordered rate, no ladder (titration.py's twin)
  if (reaction === 'subsided' && fixed) {
    const rate = Math.min(current, reacted);
    return paused ? advise('resume', rate, 0.0) : advise('maintain', rate, null);
  }
  // with no step below the reaction's rate, no rate: the prescriber's (titration.py's twin)
  if (reaction === 'subsided') return advise('lower', lower < reacted - tolerance_ml_h ? lower : null, 0.0);
  if (limitExceededBy(limit, current)) return advise('reduce_to_limit', schedule.at(-1).rate_ml_h, 0.0);
  if (paused) return advise('resume', current, 0.0);
  const following = nextStep(schedule, current, tolerance_ml_h);
  if (following === null) return advise('maintain', current, null);
  const hold = fixed ? 0.0 : holdMin(protocol, stepIndex(schedule, current, tolerance_ml_h));
  return advise('increase', following.rate_ml_h, Math.max(0.0, hold - minutes_at_rate));
}
