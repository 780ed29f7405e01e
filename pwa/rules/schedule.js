// The vital-signs schedule (port of server/clinical/schedule.py; CLINICAL.md section 3): what was due,
// what was missed, what is due next.
//
//   baseline     any set before the first start
//   cadence      from the start, every `titrating_every_min` while below the maximum rate, every
//                `at_max_every_min` at it (the rate at the previous check decides), until the final stop;
//                sooner when the rate comes down below the maximum, or the pump pauses, before the next
//                check: `titrating_every_min` from that moment (a reaction slowed at the maximum rate)
//   increase     a set within `increase_window_min` before (or `grace_min` after) each rate increase
//   completion   a set within `completion_window_min` of the final stop
//   observation  a set at least `observation_min` after the stop (60 for high reaction risk)
//
// A check is missed when its window has closed: `grace_min` after it was due, measured against the
// picture's horizon (now, or the last entry), or the visit has ended.

import { addMinutes } from './clock.js';
import { applies } from './rulebook.js';
import { observationMin } from './context.js';
import { finding, ofKind, orderPictures } from './picture.js';
import { increases } from './rate_rules.js';

// True when a check due at `due` can no longer be recorded on time.
function closed(picture, due) {
  const grace = picture.context.vitals_schedule.grace_min;
  const ended = ofKind(picture, 'visit.ended').length > 0;
  return ended || (picture.horizon !== null && picture.horizon > addMinutes(due, grace));
}

function intervalOf(picture, rate_ml_h) {
  const schedule = picture.context.vitals_schedule;
  const tolerance = picture.context.rulebook.rate_tolerance_ml_h;
  if (rate_ml_h !== null && rate_ml_h >= picture.schedule.at(-1).rate_ml_h - tolerance) {
    return [schedule.at_max_every_min, 'at the maximum rate'];
  }
  return [schedule.titrating_every_min, rate_ml_h !== null ? 'while titrating' : 'while paused'];
}

// The start, then every set of vital signs up to the final stop (or the horizon, never null once started).
function cadenceChecks(picture) {
  const first = picture.infusion.rate_events[0];
  const end = picture.infusion.stopped_at ?? picture.horizon;
  const later = picture.vitals.filter(({ entry }) => entry.rank > first.entry.rank && entry.occurred_ms <= end);
  return [first, ...later].map(({ entry, rate_ml_h }) => ({ at: entry.occurred_ms, event_id: entry.id, rate_ml_h }));
}

// When the set after `check` is due [due, interval, phase]: by the rate at the check, or sooner where the
// rate was set below the maximum or the pump paused before `until` (the next check; null: none yet).
function dueAfter(picture, check, until) {
  const { rate_events: events, pauses } = picture.infusion;
  const moments = [...events.map((e) => [e.entry.occurred_ms, e.rate_ml_h]), ...pauses.map((pause) => [pause.start, null])];
  const inside = moments.filter(([at]) => at >= check.at && (until === null || at < until));
  let best = null;
  for (const [at, rate] of [[check.at, check.rate_ml_h], ...inside]) {
    const [interval, phase] = intervalOf(picture, rate);
    const due = addMinutes(at, interval);
    if (best === null || due < best[0]) best = [due, interval, phase];
  }
  return best;
}

function vitalsOverdue(picture) {
  if (!picture.infusion.rate_events.length) return [];
  const grace = picture.context.vitals_schedule.grace_min;
  const checks = cadenceChecks(picture);
  const end = picture.infusion.stopped_at ?? picture.horizon;
  return checks.flatMap((check, i) => {
    const until = i + 1 < checks.length ? checks[i + 1].at : end;
    const [due, interval, phase] = dueAfter(picture, check, until);
    if (!(until > addMinutes(due, grace))) return [];
    return [finding([check.event_id], { interval_min: interval, phase })];
  });
}

function vitalsBaselineMissing(picture) {
  if (!picture.infusion.rate_events.length) return [];
  const first = picture.infusion.rate_events[0].entry;
  return picture.vitals.some((point) => point.entry.rank < first.rank) ? [] : [finding([first.id])];
}

function anyVitalsBetween(picture, start, end) {
  return picture.vitals.some((point) => start <= point.entry.occurred_ms && point.entry.occurred_ms <= end);
}

function vitalsAtIncreaseMissing(picture) {
  const schedule = picture.context.vitals_schedule;
  return increases(picture).flatMap((event) => {
    const at = event.entry.occurred_ms;
    const window = [addMinutes(at, -schedule.increase_window_min), addMinutes(at, schedule.grace_min)];
    if (!closed(picture, at) || anyVitalsBetween(picture, ...window)) return [];
    return [finding([event.entry.id], { window_min: schedule.increase_window_min, rate_ml_h: event.rate_ml_h })];
  });
}

// A set of vital signs around the final stop (the completion check).
function completionDone(picture, stop) {
  const schedule = picture.context.vitals_schedule;
  return anyVitalsBetween(picture, addMinutes(stop, -schedule.completion_window_min), addMinutes(stop, schedule.grace_min));
}

function vitalsCompletionMissing(picture) {
  const { stopped_at: stop, stopped_by: stoppedBy } = picture.infusion;
  if (stop === null || stoppedBy === null || !closed(picture, stop)) return [];
  if (completionDone(picture, stop)) return [];
  return [finding([stoppedBy], { window_min: picture.context.vitals_schedule.completion_window_min })];
}

function observationDone(picture, stop) {
  const grace = picture.context.vitals_schedule.grace_min;
  const earliest = addMinutes(stop, observationMin(picture.context) - grace);
  return picture.vitals.some((point) => point.entry.occurred_ms >= earliest);
}

function observationIncomplete(picture) {
  const { stopped_at: stop, stopped_by: stoppedBy } = picture.infusion;
  if (stop === null || stoppedBy === null) return [];
  const minutes = observationMin(picture.context);
  if (!closed(picture, addMinutes(stop, minutes)) || observationDone(picture, stop)) return [];
  return [finding([stoppedBy], { observation_min: minutes })];
}

// When the next set is due (UTC ms): the cadence while infusing, then completion and observation.
// When the next set is due: the soonest of the visit's pump and of each additional order's pump that the
// vital-sign cadence rule covers (a second IVIG order titrating after the first; not a saline bag).
export function nextVitalsDue(picture) {
  const dues = [picture, ...orderPictures(picture).filter(onSchedule)].map(pumpDue).filter((due) => due !== null);
  return dues.length ? Math.min(...dues) : null;
}

// The cadence rule (vitals_overdue) judges this pump: enabled, for its therapy and protocol kind.
function onSchedule(picture) {
  const spec = picture.context.rulebook.rules.vitals_overdue;
  return Boolean(spec && applies(spec, picture.context.protocol));
}

// When this pump's run calls for the next set: the cadence while infusing, then completion and observation.
function pumpDue(picture) {
  const { infusion } = picture;
  if (!infusion.rate_events.length || ofKind(picture, 'visit.ended').length) return null;
  const stop = infusion.stopped_at;
  if (stop === null) {
    return dueAfter(picture, cadenceChecks(picture).at(-1), null)[0];
  }
  if (!completionDone(picture, stop)) return stop;
  return observationDone(picture, stop) ? null : addMinutes(stop, observationMin(picture.context));
}

export const SCHEDULE_RULES = {
  vitals_baseline_missing: [vitalsBaselineMissing, [], []],
  vitals_overdue: [vitalsOverdue, [], ['interval_min', 'phase']],
  vitals_at_increase_missing: [vitalsAtIncreaseMissing, [], ['rate_ml_h', 'window_min']],
  vitals_completion_missing: [vitalsCompletionMissing, [], ['window_min']],
  observation_incomplete: [observationIncomplete, [], ['observation_min']],
};
