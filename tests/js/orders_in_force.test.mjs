// The tablet's half of "each entry judged by the orders in force when it was made" (pwa/orders_in_force.js,
// the port of server/services/orders_in_force.py): which fold each alert is taken from, for every case of
// tests/vectors/orders_in_force.json (tests/review/test_orders_in_force_vectors.py runs the server's on them).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { parseInstant } from '../../pwa/rules.js';
import { judged } from '../../pwa/orders_in_force.js';

const cases = JSON.parse(readFileSync(new URL('../vectors/orders_in_force.json', import.meta.url), 'utf8'));

for (const vector of cases) {
  test(vector.name, () => {
    const rulebook = { rules: Object.fromEntries(Object.entries(vector.judged).map(([id, how]) => [id, { id, judged: how }])) };
    const merged = judged(vector.final, vector.earlier, vector.edits.map(parseInstant), vector.events, rulebook);
    assert.deepEqual(merged.alerts.map((a) => [a.rule, a.event_ids[0], a.message]), vector.expected);
  });
}

test('the visit screen lists each revision made while the visit ran, field by field, per order', async () => {
  const { revisionsWhileRunning } = await import('../../pwa/orders_in_force.js');
  const order = { id: 1, dose_g_per_kg: 0.4, rate_cap_ml_h: null, premeds: [{ drug: 'cetirizine' }] };
  const saline = { id: 8, volume_ml: 500, duration_min: 120 };
  const context = {
    order: { ...order, dose_g_per_kg: 0.35, rate_cap_ml_h: 100 }, other_orders: [{ ...saline, duration_min: 150 }],
    earlier: [{ until: '2026-12-06T09:10:00.000Z', order, other_orders: [saline] },
      { until: '2026-12-06T10:21:00.000Z', order: { ...order, rate_cap_ml_h: 100 }, other_orders: [{ ...saline, duration_min: 150 }] }],
  };
  assert.deepEqual(revisionsWhileRunning(context), [
    { until: '2026-12-06T09:10:00.000Z', order_id: 1, changes: ['rate cap (mL/h) none → 100'] },
    { until: '2026-12-06T09:10:00.000Z', order_id: 8, changes: ['time (minutes) 120 → 150'] },
    { until: '2026-12-06T10:21:00.000Z', order_id: 1, changes: ['dose (g/kg) 0.4 → 0.35'] },
  ]);
  assert.deepEqual(revisionsWhileRunning({ order, other_orders: [] }), []);
  // a dose changed shows, whole: not "diphenhydramine → diphenhydramine"
  const before = { id: 1, premeds: [{ drug: 'diphenhydramine', dose: 25, unit: 'mg', route: 'PO' }], safety_override: null };
  const after = { ...before, premeds: [{ ...before.premeds[0], dose: 50 }], safety_override: { reason: 'prescriber called' } };
  assert.deepEqual(revisionsWhileRunning({ order: after, other_orders: [], earlier: [{ until: 'x', order: before, other_orders: [] }] })[0].changes,
    ['premedication diphenhydramine 25 mg PO → diphenhydramine 50 mg PO', 'pharmacist override none → "prescriber called"']);
});
