// The infusion as the pump ran it (port of server/clinical/infusion.py): rate
// segments, pauses and each rate-setting event in context, from one walk of the entries in fold order.
// Each rate event remembers the rate before it (before the pause, for a resume), when that rate was set
// and the reactions since, which is what the titration rules judge.

import { minutesBetween } from './clock.js';
import { PAYLOADS_DOC } from './payload_schemas.js';
import { problem } from './problems.js';

// The pump is idle, running, paused or stopped. The transition table (payloads.json `pump`) says what each
// event does to it; an event that does not fit is reported with a problem code and, where the pump's real
// state is clear, still applied (a start while running means the pump now runs at that rate: a rate change).

const move = (state, effect, problem = null) => ({ state, effect, problem });
const PUMP = PAYLOADS_DOC.pump;  // the state machine as data, the server's too (data/payloads.json)

// What an event of `kind` does to a pump in `state` {state, effect, problem} (others change nothing).
function transition(state, kind) {
  const own = (table, key) => (Object.hasOwn(table, key) ? table[key] : null);
  const found = own(PUMP.transitions, kind) && own(PUMP.transitions[kind], state);
  return found ? move(...found) : move(state, 'ignore', own(PUMP.misfits, kind));
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
    timeline.issues.push([entry.id, problem('', PUMP.texts[next.problem], next.problem)]);
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
