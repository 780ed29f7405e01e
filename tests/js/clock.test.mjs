// Instants read and written as the server reads and writes them (server/clinical/clock.py).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { formatInstant, parseInstant } from '../../pwa/rules.js';

const roundTrip = (text) => formatInstant(parseInstant(text));

test('instants are written in UTC with "Z", milliseconds only when present', () => {
  assert.equal(roundTrip('2025-03-04T10:00:00Z'), '2025-03-04T10:00:00Z');
  assert.equal(roundTrip('2025-03-04T10:00:00.120+00:00'), '2025-03-04T10:00:00.120Z');
  assert.equal(roundTrip('2025-03-04T10:00:00+05:30'), '2025-03-04T04:30:00Z');
});

test('finer times are truncated to the millisecond, as JavaScript holds them', () => {
  assert.equal(roundTrip('2025-03-04T10:00:00.1239999Z'), '2025-03-04T10:00:00.123Z');
});

test('the ISO-8601 forms Python reads are read', () => {
  assert.equal(roundTrip('2025-03-04 10:00Z'), '2025-03-04T10:00:00Z');
  assert.equal(roundTrip('20250304T100000-0100'), '2025-03-04T11:00:00Z');
  assert.equal(roundTrip('2025-03-04T10:00:00,5+01'), '2025-03-04T09:00:00.500Z');
});

test('naive or impossible times are refused', () => {
  assert.throws(() => parseInstant('2025-03-04T10:00:00'), /no UTC offset/);
  assert.throws(() => parseInstant('2025-03-04'), /no UTC offset/);
  assert.throws(() => parseInstant('2025-02-30T10:00:00Z'), /not a valid instant/);
  assert.throws(() => parseInstant('yesterday'), /not an ISO-8601 instant/);
});
