// The tablet's half of "each entry judged by the orders in force when it was made" (pwa/orders_in_force.js,
// the port of server/services/orders_in_force.py): which fold each alert is taken from.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { judged } from '../../pwa/orders_in_force.js';

const RULEBOOK = { rules: {
  rate_above_limit: { id: 'rate_above_limit', judged: 'while_running', supersedes: ['rate_double_step'] },
  rate_double_step: { id: 'rate_double_step', judged: 'when_made', supersedes: [] },
  start_rate_high: { id: 'start_rate_high', judged: 'when_made', supersedes: [] },
  dose_exceeded: { id: 'dose_exceeded', judged: 'at_the_end', supersedes: [] },
} };
const EDIT = Date.parse('2026-12-06T10:30:00Z');
const EVENTS = [
  { id: 'start', occurred_at: '2026-12-06T10:00:00Z', received_at: '2026-12-06T10:00:02Z' },
  { id: 'up', occurred_at: '2026-12-06T10:15:00Z', received_at: null },
  { id: 'late', occurred_at: '2026-12-06T10:40:00Z', received_at: '2026-12-06T10:20:00Z' }, // a clock running ahead
];
const alert = (rule, eventId, message = rule) => ({ id: `${rule}:${eventId}`, rule, message, event_ids: [eventId] });
const state = (alerts, segments) => ({
  alerts, segments, other_orders: [], entries: EVENTS.map((e) => ({ event_id: e.id })),
});

test('an act is judged by the orders in force when it was made, a running rate by those while it ran', () => {
  const segments = [{ event_id: 'start', end: '2026-12-06T10:15:00Z' }, { event_id: 'up', end: null }];
  const before = state([], segments);
  const now = state([alert('start_rate_high', 'start'), alert('rate_above_limit', 'start', 'ran, ended'),
    alert('rate_above_limit', 'up', 'above the new cap'), alert('start_rate_high', 'late')], segments);
  const merged = judged(now, [before], [EDIT], EVENTS, RULEBOOK);
  // the start and its ended run were the old order's; the rate still running is above the new cap; the entry
  // received before the edit was made before it, whatever the tablet's clock said
  assert.deepEqual(merged.alerts.map((a) => [a.rule, a.event_ids[0], a.message]),
    [['rate_above_limit', 'up', 'above the new cap']]);
});

test('an alert the earlier orders raised stays, and a later window supersedes within its entry', () => {
  const segments = [{ event_id: 'start', end: null }];
  const before = state([alert('start_rate_high', 'start'), alert('rate_double_step', 'up')], segments);
  const now = state([alert('rate_above_limit', 'start', 'above the new cap'),
    alert('rate_above_limit', 'up', 'up, above the new cap')], [...segments, { event_id: 'up', end: null }]);
  const merged = judged(now, [before], [EDIT], EVENTS, RULEBOOK);
  assert.deepEqual(merged.alerts.map((a) => a.id),
    ['rate_above_limit:start', 'start_rate_high:start', 'rate_above_limit:up']);
});

test('a total is judged by the orders as they stand at the end, whenever its step began', () => {
  const segments = [{ event_id: 'start', end: null }];
  const raised = judged(state([], segments), [state([alert('dose_exceeded', 'start', '75 g of 70')], segments)],
    [EDIT], EVENTS, RULEBOOK);
  assert.deepEqual(raised.alerts, []);
  const lowered = judged(state([alert('dose_exceeded', 'start', '75 g of 50')], segments), [state([], segments)],
    [EDIT], EVENTS, RULEBOOK);
  assert.deepEqual(lowered.alerts.map((a) => a.message), ['75 g of 50']);
});
