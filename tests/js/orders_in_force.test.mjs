// The tablet's half of "each entry judged by the orders in force when it was made" (pwa/orders_in_force.js,
// the port of server/services/orders_in_force.py): which fold each alert is taken from, for every case of
// tests/vectors/orders_in_force.json (tests/review/test_orders_in_force_vectors.py runs the server's on them).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { parseInstant } from '../../pwa/rules.js';
import { judged } from '../../pwa/orders_in_force.js';

const doc = JSON.parse(readFileSync(new URL('../vectors/orders_in_force.json', import.meta.url), 'utf8'));
const rulebook = { rules: Object.fromEntries(Object.entries(doc.rules).map(([id, how]) => [id, { id, judged: how }])) };

for (const vector of doc.cases) {
  test(vector.name, () => {
    const merged = judged(vector.final, vector.earlier, vector.edits.map(parseInstant), vector.events, rulebook);
    assert.deepEqual(merged.alerts.map((a) => [a.rule, a.event_ids[0], a.message]), vector.expected);
  });
}
