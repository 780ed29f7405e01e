// An entry's "When" held to the tablet's clock and to its visit before it is saved. A walk saved vitals two
// hours ahead (the visit then reckoned its volumes to that hour) and a month's typo on a visit already ended,
// each in one tap; the server kept them aside at the next sync, far from the patient. An entry records what
// has happened: a time ahead of the tablet's clock is refused, and so is one outside the span the server
// accepts around the visit's start (server/services/visit_window.py; tests/server/test_entry_time.py holds
// the two to the same numbers).

import { dayClock } from "../format.js";

export const AHEAD_MIN = 5; // a minute typed ahead of the seconds, a tablet clock a little behind
export const BEFORE_START_H = 12; // visit_window.BEFORE_START: a premedication taken at home that morning
export const AFTER_START_H = 36; // visit_window.AFTER_START

const MINUTE = 60_000;

function span(ms) {
  const minutes = Math.round(Math.abs(ms) / MINUTE);
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  return `${Math.round(minutes / 1440)} days`;
}

/** Why `at` (ISO) cannot be this entry's time, or null: ahead of `now` (a Date), or outside the visit begun at
 * `startedAt` (ISO, null before it began). */
export function whenProblem(at, { now, startedAt = null }) {
  const time = new Date(at).getTime();
  if (Number.isNaN(time)) return null;  // unreadable: the form says "enter a date and time"
  const ahead = time - now.getTime();
  if (ahead > AHEAD_MIN * MINUTE) {
    return `When: ${dayClock(at)} is ${span(ahead)} after now (${dayClock(now.toISOString())}). An entry records what has `
      + "happened: correct the date and time.";
  }
  if (startedAt === null) return null;
  const since = time - new Date(startedAt).getTime();
  if (since < -BEFORE_START_H * 60 * MINUTE) {
    return `When: ${dayClock(at)} is ${span(since)} before this visit began (${dayClock(startedAt)}): correct the date and time.`;
  }
  if (since > AFTER_START_H * 60 * MINUTE) {
    return `When: ${dayClock(at)} is ${span(since)} after this visit began (${dayClock(startedAt)}): correct the date and time.`;
  }
  return null;
}
