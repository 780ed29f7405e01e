// Which starts wait for the anaphylaxis-kit check on the tablet (CLINICAL 1.3): the rule book's kit_missing
// says which pumps it is for (its therapies and protocol kinds), so saline alone starts on its bag while an
// IVIG start, the visit's own or an additional order's, waits for a passed check. Disabling the rule or
// lacking its code never opens the gate: nothing overrides it.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { clinicalFor } from '../../pwa/visit_model.js';

const readJson = (path) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const ivig = readJson('../vectors/rules.json').find((v) => v.expected_alerts.some((a) => a.rule === 'hypoxia')).context;
const saline = { order: { id: 'h1', product_id: 'sodium-chloride-0.9', therapy: 'hydration', dosing_weight_kg: 70, volume_ml: 500, duration_min: 120 }, patient: {} };
const visits = [
  { id: 'ivig', context: ivig },
  { id: 'saline', context: saline },
  { id: 'pre-hydration', context: { ...ivig, order: { ...ivig.order, id: '1' }, other_orders: [saline.order] } },
  { id: 'saline-first', context: { ...saline, other_orders: [{ ...ivig.order, id: '2' }] } },
];
const byId = Object.fromEntries(visits.map((v) => [v.id, v]));

async function engine(change = () => {}) {
  const rules = readJson('../../server/clinical/data/rules.json');
  change(rules);
  const reference = { products: readJson('../../server/clinical/data/products.json'), rules,
    ranges: readJson('../../server/clinical/data/ranges.json'), visits };
  return clinicalFor(reference);
}

test("an IVIG start waits for the kit check, saline's does not, each order's pump by its own therapy", async () => {
  const clinical = await engine();
  assert.equal(clinical.kitGates(byId.ivig), true);
  assert.equal(clinical.kitGates(byId.saline), false);
  assert.deepEqual([clinical.kitGates(byId['pre-hydration']), clinical.kitGates(byId['pre-hydration'], 'h1')], [true, false]);
  assert.deepEqual([clinical.kitGates(byId['saline-first']), clinical.kitGates(byId['saline-first'], '2')], [false, true]);
});

test('a disabled kit rule, or one this code cannot run, keeps the gate', async () => {
  const disabled = await engine((doc) => { doc.rules.find((r) => r.id === 'kit_missing').enabled = false; });
  assert.equal(disabled.kitGates(byId.ivig), true);
  const unknown = await engine((doc) => { doc.rules.find((r) => r.id === 'kit_missing').when = 'entry.unknown_fact'; });
  assert.ok(unknown.skipped.some((s) => s.id === 'kit_missing'));
  assert.equal(unknown.kitGates(byId.ivig), true);
  assert.equal(unknown.kitGates(byId.saline), true);
});
