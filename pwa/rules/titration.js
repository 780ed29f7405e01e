// What rate comes next, and when (port of server/clinical/titration.py): one step at a time, not
// before the step's time is up, never above the maximum or cap, no increase after a reaction in the
// current step, and after a reaction that subsided, go back to a lower rate. Advice only.

import { limitExceededBy, nextStep, rateLimit, stepIndex, stepSchedule } from './rates.js';

// The highest step clearly below `rate_ml_h`; the first step when there is none.
function lowerThan(schedule, rate_ml_h, tolerance_ml_h) {
  const below = schedule.filter((step) => step.rate_ml_h < rate_ml_h - tolerance_ml_h);
  return below.length ? below.at(-1) : schedule[0];
}

function holdMin(protocol, index) {
  return index === null || index === 0 ? protocol.first_step_min : protocol.step_min;
}

// Advice {action, rate_ml_h, due_in_min, step_index, limit_ml_h}. `current_rate_ml_h` null means the
// infusion has not started; `reaction` ("none" | "ongoing" | "subsided") describes reactions during
// the current step; `reaction_rate_ml_h` is the rate they began at. due_in_min 0 is "now", null "nothing due".
export function recommendNextRate(protocol, options) {
  const {
    weight_kg, current_rate_ml_h: current = null, minutes_at_rate = 0.0, paused = false, reaction = 'none',
    reaction_rate_ml_h = null, cap_ml_h = null, at_risk = false, tolerance_ml_h = 0.5,
  } = options;
  const limit = rateLimit(protocol, { weight_kg, cap_ml_h, at_risk });
  const schedule = stepSchedule(protocol, { weight_kg, cap_ml_h, at_risk });
  const advise = (action, rate, due) => ({
    action, rate_ml_h: rate, due_in_min: due,
    step_index: rate === null ? null : stepIndex(schedule, rate, tolerance_ml_h), limit_ml_h: limit.ml_h,
  });
  if (current === null) return advise('start', schedule[0].rate_ml_h, 0.0);
  if (reaction === 'ongoing') return advise('hold', paused ? null : current, null);
  if (reaction === 'subsided') {
    const reactedAt = reaction_rate_ml_h === null ? current : reaction_rate_ml_h;
    return advise('lower', lowerThan(schedule, reactedAt, tolerance_ml_h).rate_ml_h, 0.0);
  }
  if (limitExceededBy(limit, current)) return advise('reduce_to_limit', schedule.at(-1).rate_ml_h, 0.0);
  if (paused) return advise('resume', current, 0.0);
  const following = nextStep(schedule, current, tolerance_ml_h);
  if (following === null) return advise('maintain', current, null);
  const hold = holdMin(protocol, stepIndex(schedule, current, tolerance_ml_h));
  return advise('increase', following.rate_ml_h, Math.max(0.0, hold - minutes_at_rate));
}
