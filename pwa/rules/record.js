// The visit's state as JSON-ready tables. The documentation side (port of server/clinical/record.py):
// vital signs, reactions, medications, lots, the line, education, notes, signatures, reviews, and
// every entry with its correction history; then the infusion in numbers.

import { addMinutes, formatInstant, minutesBetween, parseInstant } from './clock.js';
import { gramsOrdered, limitsOf } from './context.js';
import { durationMin, volumeMl } from './infusion.js';
import { ofKind, stepOf } from './picture.js';
import { derivedRate, recommendNextRate } from './rates.js';
import { roundHalfUp } from './rounding.js';
import { suggestedActions } from './rulebook.js';

// An entry as a row: its id, clinical time, author and (effective) payload fields.
function entryOut(entry) {
  return { event_id: entry.id, at: formatInstant(entry.occurred_ms), author_id: entry.author_id, ...entry.payload };
}

function vitalsOut(picture) {
  return picture.vitals.map((point) => ({
    ...entryOut(point.entry), phase: point.phase, rate_ml_h: point.rate_ml_h, step_index: point.step_index,
  }));
}

function reactionsOut(picture) {
  return ofKind(picture, 'reaction.observed').map((reaction) => {
    const tier = suggestedActions(picture.context.rulebook, reaction.payload.grade);
    const suggested = tier === null ? null : { tier: tier.tier, when: tier.when, actions: [...tier.actions] };
    return { ...entryOut(reaction), rate_ml_h: picture.infusion.rate_at.get(reaction.id), suggested };
  });
}

// Every medication given; a premedication also shows its lead time before the first start.
function medicationsOut(picture) {
  const start = picture.infusion.first_start;
  return ofKind(picture, 'medication.given').map((given) => {
    const premed = given.payload.purpose === 'premed' && start !== null;
    const lead = premed ? roundHalfUp(minutesBetween(given.occurred_ms, start), 0) : null;
    return { ...entryOut(given), lead_min: lead };
  });
}

// Each vial or bag opened, for recall tracing; `new_lot` marks a lot not opened before.
function lotsOut(picture) {
  const seen = new Set();
  return ofKind(picture, 'product.opened').map((opened) => {
    const lot = JSON.stringify([opened.payload.product_id, opened.payload.lot]);
    const row = { ...entryOut(opened), new_lot: !seen.has(lot) };
    seen.add(lot);
    return row;
  });
}

// The access device: placements, site checks, and the last outcome (removed or left in place).
function lineOut(picture) {
  const last = ofKind(picture, 'line.removed', 'line.left_in_place').at(-1);
  return {
    placed: ofKind(picture, 'line.placed').map(entryOut),
    assessments: ofKind(picture, 'line.assessed').map(entryOut),
    outcome: last === undefined ? null : { ...entryOut(last), outcome: last.kind.slice('line.'.length) },
  };
}

function rowsOf(picture, ...kinds) {
  return ofKind(picture, ...kinds).map((e) => ({ ...entryOut(e), kind: e.kind }));
}

// The documentation tables of the state: vital signs, baseline, reactions, medications, lots, the
// line, education, notes, signatures and reviews.
export function documentationOut(picture) {
  const reactions = reactionsOut(picture);
  const grades = reactions.map((r) => r.grade);
  return {
    vitals: vitalsOut(picture), baseline: { ...picture.baseline }, reactions,
    highest_reaction_grade: grades.length ? Math.max(...grades) : null,
    medications: medicationsOut(picture), lots: lotsOut(picture), line: lineOut(picture),
    education: rowsOf(picture, 'education'), notes: rowsOf(picture, 'note'), signatures: rowsOf(picture, 'signature'),
    reviews: rowsOf(picture, 'review.signed', 'review.intervention'),
  };
}

// Every entry of the clinical picture with its history: the original first, then each amendment.
export function entriesOut(corrections) {
  return corrections.effective.map((e) => {
    const history = corrections.history.get(e.id) ?? [];
    return {
      event_id: e.id, kind: e.kind, occurred_at: formatInstant(e.occurred_ms),
      recorded_at: formatInstant(e.recorded_ms),
      author_id: e.author_id, payload: e.payload, amended: history.some((v) => v.applied), history,
    };
  });
}

// The infusion in numbers (port of server/clinical/infusion_summary.py): segments and pauses as tables,
// volume and grams, the rate to offer next time, and the titration advice for now.

const instantOrNull = (ms) => (ms === null ? null : formatInstant(ms));
// The picture's horizon is null only when there are no entries, so no segment nor pause runs to it.

// Reactions while segment `index` ran (or during the pause or stop that followed it).
function reactionsDuring(picture, index) {
  const events = picture.infusion.rate_events;
  return index + 1 < events.length ? events[index + 1].reactions : picture.infusion.reactions_in_step;
}

export function segmentsOut(picture) {
  const { order, protocol } = picture.context;
  const units = { weight_kg: order.dosing_weight_kg, concentration_mg_ml: protocol.product.concentration_mg_ml };
  return picture.infusion.segments.map((segment, index) => {
    const minutes = durationMin(segment.start, segment.end, picture.horizon);
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
    resumed_by: p.resumed_by, duration_min: roundHalfUp(durationMin(p.start, p.end, picture.horizon), 1),
  }));
}

// The highest rate run without a reaction and below every rate that did cause one (so a segment with a
// reaction, at or above that lowest rate, is never the answer).
function lastToleratedRate(picture) {
  const { segments } = picture.infusion;
  const ceiling = Math.min(...segments.filter((s, i) => reactionsDuring(picture, i).length).map((s) => s.rate_ml_h));
  const tolerated = segments.filter((s) => s.rate_ml_h < ceiling && durationMin(s.start, s.end, picture.horizon) > 0);
  return tolerated.length ? roundHalfUp(Math.max(...tolerated.map((s) => s.rate_ml_h)), 1) : null;
}

function reactionState(reactions) {
  if (!reactions.length) return 'none';
  return reactions.every((r) => r.payload.outcome === 'resolved') ? 'subsided' : 'ongoing';
}

// An unresolved one's grade calls for pausing the pump (its tier's `pump`: grade 2 and above), not slowing it.
function interrupts(picture, reactions) {
  return reactions.some((r) => r.payload.outcome !== 'resolved'
    && suggestedActions(picture.context.rulebook, r.payload.grade)?.pump === 'interrupt');
}

// Since when the step's rate has run without a reaction: its start, or the end of a reaction it was slowed for.
const toleratedSince = (picture, stepStart) => Math.max(stepStart,
  ...ofKind(picture, 'reaction.resolved').map((e) => e.occurred_ms).filter((ms) => ms > stepStart));

// The titration advice for the current moment (null once the infusion stopped).
function nextRateOut(picture, doseGiven) {
  const { infusion, context } = picture;
  if (infusion.state === 'stopped' || ofKind(picture, 'visit.ended').length) return null;
  if (doseGiven) return { action: 'complete', rate_ml_h: null, step_index: null, limit_ml_h: picture.limit.ml_h, due_at: null, held_by: null };
  // Reactions of this step, else the unresolved ones since the start (none of the slowed step's own).
  const reactions = infusion.reactions_in_step.length ? infusion.reactions_in_step : ofKind(picture, 'reaction.observed')
    .filter((r) => infusion.state_at.get(r.id) !== 'idle' && r.payload.outcome !== 'resolved');
  const advice = recommendNextRate(context.protocol, {
    ...limitsOf(context, picture.at_risk), current_rate_ml_h: infusion.rate_ml_h,
    paused: infusion.state === 'paused', reaction: reactionState(reactions),
    reaction_rate_ml_h: reactions.length ? infusion.rate_at.get(reactions[0].id) : null, interrupt: interrupts(picture, reactions),
    tolerance_ml_h: context.rulebook.rate_tolerance_ml_h,
  });
  // An increase is due from the step's start; other advice now.
  const { due_in_min: dueIn, ...rest } = advice;
  const fromStep = advice.action === 'increase' && infusion.step_started_at !== null;
  // A start waits for the checks, a paused pump for the nurse (a pause has no deadline): never "due now"
  // (nor overdue) by a clock.
  const due = dueIn === null || advice.action === 'start' || infusion.state === 'paused' ? null
    : fromStep ? addMinutes(toleratedSince(picture, infusion.step_started_at), dueIn) : picture.horizon;
  return heldAtTarget(picture, { ...rest, due_at: instantOrNull(due) });
}

// Advice to start, resume or step up above a target that holds (picture.aim: series.js seriesAim) goes to the target: it
// stays where the pump is once there, and lowers to it from above; `held_by` says why (null: the protocol's
// steps, untouched).
function heldAtTarget(picture, advice) {
  const [target, , holds] = picture.aim;
  const tolerance = picture.context.rulebook.rate_tolerance_ml_h;
  if (holds === null || !['start', 'increase', 'resume'].includes(advice.action) || advice.rate_ml_h <= target + tolerance) {
    return { ...advice, held_by: null };
  }
  const current = picture.infusion.rate_ml_h;
  const held = { ...advice, rate_ml_h: target, step_index: null, held_by: holds };
  if (advice.action !== 'increase' || current < target - tolerance) return held;
  if (current <= target + tolerance) return { ...held, action: 'maintain', rate_ml_h: current, due_at: null };
  return { ...held, action: 'lower', due_at: instantOrNull(picture.horizon) };
}

// [pump volume read at the last stop, the volume given, its basis]: that reading (pump); else the pump
// timeline's (computed), but never more than the order's product opened (opened): a bag gives what it holds.
export function volumeGiven(picture) {
  const stops = ofKind(picture, 'infusion.stopped').filter((e) => e.payload.pump_volume_ml !== null);
  if (stops.length) return [stops.at(-1).payload.pump_volume_ml, stops.at(-1).payload.pump_volume_ml, 'pump'];
  const computed = volumeMl(picture.infusion.segments, picture.horizon);
  const ordered = ofKind(picture, 'product.opened').filter((e) => e.payload.product_id === picture.context.order.product_id);
  // a vial that failed inspection is never hung (unless none passed: then what was opened is all there is)
  const hung = ordered.filter((e) => e.payload.inspected_ok);
  const opened = (hung.length ? hung : ordered).reduce((sum, e) => sum + e.payload.volume_ml, null);
  // past it also at the 0.1 mL the record shows, so "ran 900 mL, more than the 900 mL opened" is never said
  const past = opened !== null && computed > opened && roundHalfUp(computed, 1) > opened;
  return past ? [null, opened, 'opened'] : [null, computed, 'computed'];
}

// [pump volume read at the last stop, grams given (0.01), basis: pump, computed or opened].
export function gramsOf(picture) {
  const [pump, volume, basis] = volumeGiven(picture);
  const grams = volume * picture.context.protocol.product.concentration_mg_ml / 1000.0;
  return [pump, roundHalfUp(grams, 2), basis];
}

// When `remaining` mL will have run from `at`, following `plan` [[mL/h, minutes (null: to the end)]].
function endOf(at, remaining, plan) {
  for (const [rate, minutes] of plan) {
    if (minutes === null || rate * minutes / 60 >= remaining) return formatInstant(addMinutes(at, remaining / rate * 60));
    remaining -= rate * minutes / 60;
    at = addMinutes(at, minutes);
  }
}

// When the ordered dose will have run: at the current rate, and on the plan (this rate until the next
// step is due, then each step for its time; the rate the advice lowers it to); null when not running.
// The steps from the advised one on: held at a target, that rate to the end; a target that holds ends the
// steps there (a walk saw a dose end timed on steps up to the rate of last time's reaction).
function plannedSteps(picture, next) {
  if (next.held_by) return [[next.rate_ml_h, null]];
  const steps = picture.schedule.slice(next.step_index).map((s) => [s.rate_ml_h, s.hold_min]);
  const [target, , holds] = picture.aim;
  if (holds === null) return steps;
  const tolerance = picture.context.rulebook.rate_tolerance_ml_h;
  const below = steps.filter(([rate]) => rate <= target + tolerance);
  return below.at(-1)[0] >= target - tolerance ? [...below.slice(0, -1), [below.at(-1)[0], null]] : [...below, [target, null]];
}

function expectedEnd(picture, next) {
  const { infusion, horizon } = picture;
  const ordered = gramsOrdered(picture.context.order);
  if (infusion.state !== 'running' || ordered === null || next === null || !infusion.rate_ml_h || next.action === 'interrupt') return null;
  const remaining = ordered * 1000 / picture.context.protocol.product.concentration_mg_ml - volumeMl(infusion.segments, horizon);
  const current = [[infusion.rate_ml_h, null]];
  const lowered = ['lower', 'reduce_to_limit'].includes(next.action) && next.rate_ml_h !== null ? [[next.rate_ml_h, null]] : current;
  const plan = next.action !== 'increase' ? lowered
    : [[infusion.rate_ml_h, Math.max(0, minutesBetween(horizon, parseInstant(next.due_at)))], ...plannedSteps(picture, next)];
  return { at_current_rate: endOf(horizon, remaining, current), on_plan: endOf(horizon, remaining, plan) };
}

export function infusionOut(picture) {
  const { infusion, horizon } = picture;
  const volume = volumeMl(infusion.segments, horizon);
  const running = infusion.segments.reduce((sum, s) => sum + durationMin(s.start, s.end, horizon), 0);
  const ordered = gramsOrdered(picture.context.order);
  const [pump, grams, basis] = gramsOf(picture);
  const givenMl = roundHalfUp(volumeGiven(picture)[1], 1);
  // A volume order is given when its volume has run (grams at 0.01 are about a millilitre of saline).
  const { volume_ml: orderedMl } = picture.context.order;
  const doseGiven = orderedMl !== null ? givenMl >= orderedMl : ordered !== null && grams >= roundHalfUp(ordered, 2);
  const next = nextRateOut(picture, doseGiven);
  return {
    status: infusion.state === 'idle' ? 'not_started' : infusion.state,
    current_rate_ml_h: infusion.state === 'running' ? infusion.rate_ml_h : null,
    first_start: instantOrNull(infusion.first_start), stopped_at: instantOrNull(infusion.stopped_at),
    running_min: roundHalfUp(running, 1), volume_infused_ml: roundHalfUp(volume, 1),
    pump_volume_ml: pump, volume_given_ml: givenMl, grams_given: grams, grams_basis: basis,
    grams_ordered: ordered === null ? null : roundHalfUp(ordered, 2),
    dose_given: doseGiven, expected_end: doseGiven ? null : expectedEnd(picture, next),
    last_tolerated_rate_ml_h: lastToleratedRate(picture), next_rate: next,
  };
}
