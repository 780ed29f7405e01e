// An entry's "When" is refused ahead of the tablet's clock and outside the span the server accepts around the
// visit's start (pwa/lazy/entry_time.js): a walk saved vitals two hours ahead and a month's typo in one tap.
import { test } from "node:test";
import assert from "node:assert/strict";

import { AHEAD_MIN, whenProblem } from "../../pwa/lazy/entry_time.js";

const now = new Date("2026-12-07T13:19:00Z");
const at = (minutes) => new Date(now.getTime() + minutes * 60_000).toISOString();
const startedAt = at(-30);

test("a time up to a few minutes ahead of the clock is taken (a minute typed ahead of its seconds)", () => {
  assert.equal(whenProblem(at(AHEAD_MIN), { now, startedAt }), null);
  assert.equal(whenProblem(at(-10), { now, startedAt }), null);
});

test("a time two hours ahead is refused, naming how far ahead", () => {
  const problem = whenProblem(at(119), { now, startedAt });
  assert.match(problem, /^When: .* is 1 h 59 min after now \(.*\)\. An entry records what has happened/);
});

test("a date ten days ahead is refused in days", () => {
  assert.match(whenProblem(at(10 * 1440), { now, startedAt }), /is 10 days after now/);
});

test("a month's typo before the visit began is refused; the morning's premedication at home is not", () => {
  assert.match(whenProblem(at(-30 * 1440), { now, startedAt }), /is 30 days before this visit began/);
  assert.equal(whenProblem(at(-11 * 60), { now, startedAt }), null);
});

test("before the visit began, only the clock binds", () => {
  assert.equal(whenProblem(at(-30 * 1440), { now, startedAt: null }), null);
  assert.notEqual(whenProblem(at(60), { now, startedAt: null }), null);
});

test("an unreadable time is left to the form's own message", () => {
  assert.equal(whenProblem("not a time", { now, startedAt }), null);
});
