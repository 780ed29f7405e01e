// Rate arithmetic (port of server/clinical/rates.py): pump rates (mL/h) and the per-kg units labels
// use, the highest rate allowed, and a protocol's step table for one patient.
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
  return rate * weight_kg * PER_MINUTE / concentration_mg_ml;
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
const isGiven = (value) => value !== null && value !== undefined;

// The highest rate allowed in this visit {ml_h (0.1), source, exclusive}: the order's own cap
// overrides the label; else the at-risk cap for an at-risk patient; else the protocol's maximum.
export function rateLimit(protocol, { weight_kg, cap_ml_h = null, at_risk = false }) {
  if (isGiven(cap_ml_h)) return { ml_h: roundHalfUp(cap_ml_h, 1), source: 'order_cap', exclusive: false };
  const units = unitsOf(protocol, weight_kg);
  if (at_risk && isGiven(protocol.at_risk_cap)) {
    const cap = roundHalfUp(toMlH(protocol.at_risk_cap, protocol.rate_unit, units), 1);
    return { ml_h: cap, source: 'at_risk_cap', exclusive: protocol.at_risk_cap_exclusive };
  }
  const top = roundHalfUp(toMlH(protocol.ladder.at(-1), protocol.rate_unit, units), 1);
  return { ml_h: top, source: protocol.kind === 'order' ? 'order_max' : 'label_max', exclusive: false };
}

export function limitExceededBy(limit, rate_ml_h) {
  return limit.exclusive ? rate_ml_h >= limit.ml_h : rate_ml_h > limit.ml_h;
}

// The ladder in mL/h (0.1), cut at the limit; a cut inclusive limit becomes the last step.
function stepRates(protocol, weight_kg, limit) {
  const units = unitsOf(protocol, weight_kg);
  const rates = [];
  for (const rung of protocol.ladder) {
    const rate = roundHalfUp(toMlH(rung, protocol.rate_unit, units), 1);
    if (!limitExceededBy(limit, rate) && (!rates.length || rate > rates.at(-1))) rates.push(rate);
  }
  const top = roundHalfUp(toMlH(protocol.ladder.at(-1), protocol.rate_unit, units), 1);
  const cut = limit.ml_h < top;
  if (cut && !limit.exclusive && (!rates.length || limit.ml_h > rates.at(-1))) rates.push(limit.ml_h);
  return rates;
}

// The titration as a table for this patient: steps {index, rate_ml_h, ml_kg_h, mg_kg_min, hold_min,
// starts_at_min}; hold_min is null for the last step (run it to the end).
export function stepSchedule(protocol, { weight_kg, cap_ml_h = null, at_risk = false }) {
  const limit = rateLimit(protocol, { weight_kg, cap_ml_h, at_risk });
  const rates = stepRates(protocol, weight_kg, limit);
  const units = unitsOf(protocol, weight_kg);
  let startsAt = 0.0;
  return rates.map((rate, index) => {
    const last = index === rates.length - 1;
    const hold = last ? null : (index === 0 ? protocol.first_step_min : protocol.step_min);
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
