// The infusion in numbers (port of server/clinical/infusion_summary.py): segments and pauses as tables,
// volume and grams, the rate to offer next time, and the titration advice for now.

import { addMinutes, formatInstant } from './clock.js';
import { gramsOrdered } from './context.js';
import { durationMin, volumeMl } from './infusion.js';
import { ofKind, stepOf } from './picture.js';
import { derivedRate } from './rates.js';
import { roundHalfUp } from './rounding.js';
import { recommendNextRate } from './titration.js';

const instantOrNull = (ms) => (ms === null ? null : formatInstant(ms));

// Reactions while segment `index` ran (or during the pause or stop that followed it).
function reactionsDuring(picture, index) {
  const events = picture.infusion.rate_events;
  return index + 1 < events.length ? events[index + 1].reactions : picture.infusion.reactions_in_step;
}

export function segmentsOut(picture) {
  const { order, protocol } = picture.context;
  const units = { weight_kg: order.dosing_weight_kg, concentration_mg_ml: protocol.product.concentration_mg_ml };
  return picture.infusion.segments.map((segment, index) => {
    const minutes = durationMin(segment.start, segment.end, picture.horizon ?? segment.start);
    return {
      event_id: segment.event_id, start: formatInstant(segment.start), end: instantOrNull(segment.end),
      ...derivedRate(segment.rate_ml_h, units), step_index: stepOf(picture, segment.rate_ml_h),
      duration_min: roundHalfUp(minutes, 1), volume_ml: roundHalfUp(segment.rate_ml_h * minutes / 60.0, 1),
      reaction_ids: reactionsDuring(picture, index).map((r) => r.id),
    };
  });
}

export function pausesOut(picture) {
  return picture.infusion.pauses.map((p) => ({
    event_id: p.event_id, start: formatInstant(p.start), end: instantOrNull(p.end), reason: p.reason,
    resumed_by: p.resumed_by, duration_min: roundHalfUp(durationMin(p.start, p.end, picture.horizon ?? p.start), 1),
  }));
}

// The highest rate run without a reaction and below every rate that did cause one.
function lastToleratedRate(picture) {
  const { segments } = picture.infusion;
  const { horizon } = picture;
  const reacted = segments.filter((s, i) => reactionsDuring(picture, i).length).map((s) => s.rate_ml_h);
  const ceiling = reacted.length ? Math.min(...reacted) : Infinity;
  const tolerated = segments.filter((s, i) => !reactionsDuring(picture, i).length && s.rate_ml_h < ceiling &&
    horizon !== null && durationMin(s.start, s.end, horizon) > 0).map((s) => s.rate_ml_h);
  return tolerated.length ? roundHalfUp(Math.max(...tolerated), 1) : null;
}

function reactionState(reactions) {
  if (!reactions.length) return 'none';
  return reactions.every((r) => r.payload.outcome === 'resolved') ? 'subsided' : 'ongoing';
}

// The titration advice for the current moment (null once the infusion stopped).
function nextRateOut(picture) {
  const { infusion, context } = picture;
  if (infusion.state === 'stopped' || ofKind(picture, 'visit.ended').length) return null;
  const reactions = infusion.reactions_in_step;
  const advice = recommendNextRate(context.protocol, {
    weight_kg: context.order.dosing_weight_kg, current_rate_ml_h: infusion.rate_ml_h,
    paused: infusion.state === 'paused', reaction: reactionState(reactions),
    reaction_rate_ml_h: reactions.length ? infusion.rate_at.get(reactions[0].id) : null,
    cap_ml_h: context.order.rate_cap_ml_h, at_risk: picture.at_risk,
    tolerance_ml_h: context.rulebook.rate_tolerance_ml_h,
  });
  let due = picture.horizon;
  if (advice.due_in_min === null) due = null;
  else if (advice.action === 'increase' && infusion.step_started_at !== null) {
    due = addMinutes(infusion.step_started_at, advice.due_in_min);
  }
  return {
    action: advice.action, rate_ml_h: advice.rate_ml_h, step_index: advice.step_index,
    limit_ml_h: advice.limit_ml_h, due_at: due === null ? null : formatInstant(due),
  };
}

function gramsOf(picture, volume) {
  const stops = ofKind(picture, 'infusion.stopped').filter((e) => e.payload.pump_volume_ml !== null);
  const pump = stops.length ? stops.at(-1).payload.pump_volume_ml : null;
  const concentration = picture.context.protocol.product.concentration_mg_ml;
  const grams = (pump !== null ? pump : volume) * concentration / 1000.0;
  return { pump_volume_ml: pump, grams_given: roundHalfUp(grams, 2), grams_basis: pump !== null ? 'pump' : 'computed' };
}

export function infusionOut(picture) {
  const { infusion, horizon } = picture;
  const volume = horizon !== null ? volumeMl(infusion.segments, horizon) : 0.0;
  const running = horizon !== null
    ? infusion.segments.reduce((sum, s) => sum + durationMin(s.start, s.end, horizon), 0) : 0.0;
  const ordered = gramsOrdered(picture.context.order);
  return {
    status: infusion.state === 'idle' ? 'not_started' : infusion.state,
    current_rate_ml_h: infusion.state === 'running' ? infusion.rate_ml_h : null,
    first_start: instantOrNull(infusion.first_start), stopped_at: instantOrNull(infusion.stopped_at),
    running_min: roundHalfUp(running, 1), volume_infused_ml: roundHalfUp(volume, 1),
    ...gramsOf(picture, volume),
    grams_ordered: ordered === null ? null : roundHalfUp(ordered, 2),
    last_tolerated_rate_ml_h: lastToleratedRate(picture), next_rate: nextRateOut(picture),
  };
}
