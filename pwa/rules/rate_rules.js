// Titration alerts on every start, rate change and resume (port of server/clinical/rate_rules.py;
// CLINICAL.md sections 1.5 and 2). An "increase" is a rate more than the tolerance above the rate
// before it (before the pause, for a resume). Rates are compared with the step table shown (0.1 mL/h).

import { minutesBetween } from './clock.js';
import { finding, ofKind, stepOf } from './picture.js';
import { holdMin, limitExceededBy, nextStep } from './rates.js';
import { formatNumber, roundHalfUp } from './rounding.js';
import { gramsOrdered } from './context.js';
import { volumeMl } from './infusion.js';
import { gramsOf, volumeGiven } from './record.js';

const LIMIT_NAMES = {
  label_max: 'label maximum', at_risk_cap: 'at-risk cap', at_risk_default: "organization's at-risk cap",
  at_risk_minimum: 'at-risk start rate (no at-risk cap ordered)', order_cap: "order's rate cap", order_max: "order's last step",
  order_rate: 'ordered rate',
};

const toleranceOf = (picture) => picture.context.rulebook.rate_tolerance_ml_h;

export function increases(picture) {
  const tolerance = toleranceOf(picture);
  return picture.infusion.rate_events.filter(
    (event) => event.previous_ml_h !== null && event.rate_ml_h > event.previous_ml_h + tolerance);
}

function rateAboveLimit(picture) {
  const { limit } = picture;
  const shown = formatNumber(limit.ml_h, 2);
  const text = limit.exclusive ? `must stay below ${shown} mL/h` : `${shown} mL/h`;
  const values = { limit_name: LIMIT_NAMES[limit.source], limit_text: text };
  return picture.infusion.rate_events.filter((event) => limitExceededBy(limit, event.rate_ml_h))
    .map((event) => finding([event.entry.id], { ...values, rate_ml_h: event.rate_ml_h }));
}

function rateDoubleStep(picture) {
  const tolerance = toleranceOf(picture);
  return increases(picture).flatMap((event) => {
    const from = event.previous_ml_h || 0.0;
    const following = nextStep(picture.schedule, from, tolerance);
    if (following === null || !(event.rate_ml_h > following.rate_ml_h + tolerance)) return [];
    return [finding([event.entry.id], { from_ml_h: from, rate_ml_h: event.rate_ml_h, next_ml_h: following.rate_ml_h })];
  });
}

function rateTooSoon(picture) {
  return increases(picture).flatMap((event) => {
    if (event.step_started_at === null) return [];
    const hold = holdMin(picture.context.protocol, stepOf(picture, event.previous_ml_h));
    const minutes = roundHalfUp(minutesBetween(event.step_started_at, event.entry.occurred_ms), 1);
    if (!(minutes < hold)) return [];
    const values = { minutes_at_rate: minutes, from_ml_h: event.previous_ml_h || 0.0, hold_min: hold };
    return [finding([event.entry.id], values)];
  });
}

function increaseAfterReaction(picture) {
  return increases(picture).filter((event) => event.reactions.length).map((event) => finding(
    [event.entry.id, event.reactions[0].id], { rate_ml_h: event.rate_ml_h, from_ml_h: event.previous_ml_h || 0.0 }));
}

function resumeNotLower(picture) {
  const { infusion } = picture;
  return infusion.rate_events.flatMap((event) => {
    if (infusion.state_at.get(event.entry.id) !== 'paused' || !event.reactions.length) return [];
    const reaction = event.reactions[0];
    const reactionRate = infusion.rate_at.get(reaction.id) || event.previous_ml_h || 0.0;
    if (!(event.rate_ml_h >= reactionRate - toleranceOf(picture))) return [];
    return [finding([event.entry.id, reaction.id], { rate_ml_h: event.rate_ml_h, reaction_rate_ml_h: reactionRate })];
  });
}

// Openings of a lot not opened before in this visit, after the infusion started.
function newLots(picture) {
  if (!picture.infusion.rate_events.length) return [];
  const firstStart = picture.infusion.rate_events[0].entry.rank;
  const seen = new Set();
  const found = [];
  for (const opened of ofKind(picture, 'product.opened')) {
    if (picture.foreign_products.includes(opened.payload.product_id)) continue; // another order's pump's lot
    const lot = JSON.stringify([opened.payload.product_id, opened.payload.lot]);
    if (seen.size && !seen.has(lot) && opened.rank > firstStart) found.push(opened);
    seen.add(lot);
  }
  return found;
}

// After a new lot the next rate set must be the start rate; with no rate set after it, the rate that
// kept running counts.
function titrationNotRestarted(picture) {
  const start = picture.schedule[0].rate_ml_h;
  return newLots(picture).flatMap((opened) => {
    const later = picture.infusion.rate_events.filter((e) => e.entry.rank > opened.rank);
    const rate = later.length ? later[0].rate_ml_h : picture.infusion.rate_at.get(opened.id);
    if (rate === null || !(rate > start + toleranceOf(picture))) return [];
    const ids = later.length ? [opened.id, later[0].entry.id] : [opened.id];
    return [finding(ids, { lot: opened.payload.lot, rate_ml_h: rate, start_ml_h: start })];
  });
}

// [the entry the alert belongs to, percent over] when `given` passes `ordered` by more than
// `over_pct_above` percent: the segment during which `orderedMl` was passed (or the stop whose pump volume
// says so); else null.
// The segments by whose end more than `ml` had run, first to last.
function passing(picture, ml) {
  const { segments } = picture.infusion;
  return segments.filter((s) => volumeMl(segments.filter((x) => x.start <= s.start), picture.horizon) > ml).map((s) => s.event_id);
}

function pastTheOrder(picture, rule, given, ordered, orderedMl) {
  const over = roundHalfUp((given - ordered) / ordered * 100, 1);
  if (!(over > rule.thresholds.over_pct_above)) return null;
  const anchors = [...passing(picture, orderedMl),
    ...ofKind(picture, 'infusion.stopped').filter((e) => e.payload.pump_volume_ml !== null).slice(-1).map((e) => e.id)];
  return [anchors[0], over];
}

// The rates ran past all of the order's product opened, with no pump volume read at the stop: the dose is
// counted as opened, and the nurse records the pump's volume or the vial not yet recorded.
function ratesPastOpened(picture) {
  const [, opened, basis] = volumeGiven(picture);
  if (basis !== 'opened') return [];
  const run = roundHalfUp(volumeMl(picture.infusion.segments, picture.horizon), 1);
  return [finding([passing(picture, opened)[0]], { ml_run: run, ml_opened: roundHalfUp(opened, 1) })];
}

// More given than the order's dose (grams of product).
function doseExceeded(picture, rule) {
  const ordered = gramsOrdered(picture.context.order);
  if (ordered === null || picture.horizon === null) return [];
  const grams = gramsOf(picture)[1];
  const past = pastTheOrder(picture, rule, grams, ordered, ordered * 1000 / picture.context.protocol.product.concentration_mg_ml);
  return past ? [finding([past[0]], { grams_given: grams, grams_ordered: roundHalfUp(ordered, 2), over_pct: past[1] })] : [];
}

// More run than the order's volume (a fixed dose: hydration), in mL as the order and the bag say.
function volumeExceeded(picture, rule) {
  const ordered = picture.context.order.volume_ml;
  if (ordered === null || picture.horizon === null) return [];
  const given = roundHalfUp(volumeGiven(picture)[1], 1);
  const past = pastTheOrder(picture, rule, given, ordered, ordered);
  return past ? [finding([past[0]], { ml_given: given, ml_ordered: ordered, over_pct: past[1] })] : [];
}

export const RATE_RULES = {
  dose_exceeded: [doseExceeded, ['over_pct_above'], ['grams_given', 'grams_ordered', 'over_pct']],
  volume_exceeded: [volumeExceeded, ['over_pct_above'], ['ml_given', 'ml_ordered', 'over_pct']],
  rates_past_opened: [ratesPastOpened, [], ['ml_opened', 'ml_run']],
  rate_above_limit: [rateAboveLimit, [], ['limit_name', 'limit_text', 'rate_ml_h']],
  rate_double_step: [rateDoubleStep, [], ['from_ml_h', 'next_ml_h', 'rate_ml_h']],
  rate_too_soon: [rateTooSoon, [], ['from_ml_h', 'hold_min', 'minutes_at_rate']],
  increase_after_reaction: [increaseAfterReaction, [], ['from_ml_h', 'rate_ml_h']],
  resume_not_lower: [resumeNotLower, [], ['rate_ml_h', 'reaction_rate_ml_h']],
  titration_not_restarted: [titrationNotRestarted, [], ['lot', 'rate_ml_h', 'start_ml_h']],
};
