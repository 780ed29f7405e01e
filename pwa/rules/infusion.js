// The infusion as the pump ran it (port of server/clinical/infusion.py): rate
// segments, pauses and each rate-setting event in context, from one walk of the entries in fold order.
// Each rate event remembers the rate before it (before the pause, for a resume), when that rate was set
// and the reactions since, which is what the titration rules judge.

import { minutesBetween } from './clock.js';
import { problem } from './problems.js';

// The pump is idle, running, paused or stopped. The transition table says what each event does to it;
// an event that does not fit is reported with a problem code and, where the pump's real state is clear,
// still applied (a start while running means the pump now runs at that rate: a rate change).

const move = (state, effect, problem = null) => ({ state, effect, problem });

const TABLE = {
  'infusion.started|idle': move('running', 'start'),
  'infusion.started|stopped': move('running', 'start'),
  'infusion.started|running': move('running', 'change', 'already_running'),
  'infusion.started|paused': move('running', 'resume', 'already_running'),
  'infusion.rate_changed|running': move('running', 'change'),
  'infusion.paused|running': move('paused', 'pause'),
  'infusion.resumed|paused': move('running', 'resume'),
  'infusion.resumed|running': move('running', 'change', 'not_paused'),
  'infusion.stopped|running': move('stopped', 'stop'),
  'infusion.stopped|paused': move('stopped', 'stop'),
  'visit.ended|running': move('stopped', 'stop'),
  'visit.ended|paused': move('stopped', 'stop'),
};

const MISFIT = {
  'infusion.rate_changed': 'no_running_infusion',
  'infusion.paused': 'no_running_infusion',
  'infusion.stopped': 'no_running_infusion',
  'infusion.resumed': 'not_paused',
};

// The nurse-facing text for an infusion event that does not fit the pump's state.
const PROBLEM_TEXT = {
  no_running_infusion: 'There is no running infusion at this time to change, pause or stop',
  not_paused: 'The infusion is not paused at this time, so it cannot be resumed',
  already_running: 'The infusion is already running at this time',
};

// What an event of `kind` does to a pump in `state` {state, effect, problem} (others change nothing).
function transition(state, kind) {
  return TABLE[`${kind}|${state}`] ?? move(state, 'ignore', MISFIT[kind] ?? null);
}

function close(timeline, at) {
  const segment = timeline.segments.at(-1);
  if (segment && segment.end === null) segment.end = at;
  const pause = timeline.pauses.at(-1);
  if (pause && pause.end === null) pause.end = at;
}

function setRate(timeline, entry, resumed) {
  const previous = timeline.state === 'idle' || timeline.state === 'stopped' ? null : timeline.rate_ml_h;
  const rate = entry.payload.rate_ml_h;
  timeline.rate_events.push({
    entry, rate_ml_h: rate, previous_ml_h: previous, step_started_at: timeline.step_started_at,
    reactions: [...timeline.reactions_in_step],
  });
  close(timeline, entry.occurred_ms);
  if (resumed && timeline.pauses.length) timeline.pauses.at(-1).resumed_by = entry.id;
  timeline.segments.push({ event_id: entry.id, start: entry.occurred_ms, rate_ml_h: rate, end: null });
  Object.assign(timeline, {
    rate_ml_h: rate, step_started_at: entry.occurred_ms, reactions_in_step: [], stopped_at: null, stopped_by: null,
  });
}

// Advance the pump by one entry (entries must come in fold order).
function apply(timeline, entry) {
  timeline.state_at.set(entry.id, timeline.state);
  timeline.rate_at.set(entry.id, timeline.state === 'running' ? timeline.rate_ml_h : null);
  if (entry.kind === 'reaction.observed' && timeline.state !== 'idle') timeline.reactions_in_step.push(entry);
  const next = transition(timeline.state, entry.kind);
  if (next.problem !== null) {
    timeline.issues.push([entry.id, problem('', PROBLEM_TEXT[next.problem], next.problem)]);
  }
  if (next.effect === 'start' || next.effect === 'change' || next.effect === 'resume') {
    setRate(timeline, entry, next.effect === 'resume');
  } else if (next.effect === 'pause') {
    close(timeline, entry.occurred_ms);
    const { id, occurred_ms: start, payload } = entry;
    timeline.pauses.push({ event_id: id, start, reason: payload.reason, end: null, resumed_by: null });
  } else if (next.effect === 'stop') {
    close(timeline, entry.occurred_ms);
    Object.assign(timeline, { stopped_at: entry.occurred_ms, stopped_by: entry.id });
  }
  timeline.state = next.state;
}

// The pump's history over `entries` (effective, fold order), and its state after the last one.
export function buildInfusion(entries) {
  const timeline = {
    segments: [], pauses: [], rate_events: [], issues: [], rate_at: new Map(), state_at: new Map(),
    state: 'idle', rate_ml_h: null, stopped_at: null, stopped_by: null, step_started_at: null, reactions_in_step: [],
  };
  entries.forEach((entry) => apply(timeline, entry));
  timeline.first_start = timeline.segments.length ? timeline.segments[0].start : null;
  return timeline;
}

// Minutes from start to end (or to the horizon while open); never negative.
export function durationMin(start, end, horizon) {
  return Math.max(0.0, minutesBetween(start, end === null ? horizon : end));
}

// ∫ rate dt over the running segments, in mL (unrounded).
export function volumeMl(segments, horizon) {
  return segments.reduce((sum, s) => sum + s.rate_ml_h * durationMin(s.start, s.end, horizon) / 60.0, 0);
}
