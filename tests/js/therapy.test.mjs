// Therapy and protocol kind on the tablet (twin of tests/clinical/test_therapy.py): a rule naming a
// therapy or kind the products data does not declare, or an order whose therapy is not its product's,
// stops the visit context loudly. Which rules run on which visit: tests/vectors/applies_to.json.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { loadCatalog, loadExpressionLanguage, loadRulebook, makeContext, rateLimit } from '../../pwa/rules.js';
import { limitsOf } from '../../pwa/rules/context.js';
import { orderSafetyOf } from '../../pwa/lazy/order_safety.js';

const readJson = (path) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const cel = await loadExpressionLanguage();
const catalog = loadCatalog(readJson('../../server/clinical/data/products.json'));
const rulesDoc = () => readJson('../../server/clinical/data/rules.json');
const facts = readJson('../../server/clinical/data/facts.json');
const order = { product_id: 'gammagard-liquid-10', protocol_id: 'gammagard-liquid-10-pi', dosing_weight_kg: 70 };

for (const [field, names, name] of [['therapies', ['ivig', 'antibiotic'], 'antibiotic'], ['protocol_kinds', ['fixed_steps', 'step_down'], 'step_down']]) {
  test(`a rule naming an undeclared ${field} entry stops the visit`, () => {
    const doc = rulesDoc();
    doc.rules[0].applies_to[field] = names;
    const rulebook = loadRulebook(doc, cel, facts);
    assert.throws(() => makeContext({ order }, { catalog, rulebook }),
      { message: `rules data: rule 'fever' applies_to.${field} names undeclared ${name}` });
  });
}

test('a rule without applies_to is refused naming the field', () => {
  const doc = rulesDoc();
  delete doc.rules[0].applies_to;
  assert.throws(() => loadRulebook(doc, cel, facts), /rules\.rules\[0\]\.applies_to/);
});

test('an order for another therapy than its product is refused', () => {
  const rulebook = loadRulebook(rulesDoc(), cel, facts);
  assert.throws(() => makeContext({ order: { ...order, therapy: 'scig' } }, { catalog, rulebook }),
    { message: "order.therapy 'scig' is not its product's ('ivig')" });
});

test("a visit has its protocol's therapy and kind", () => {
  const rulebook = loadRulebook(rulesDoc(), cel, facts);
  const label = makeContext({ order }, { catalog, rulebook }).protocol;
  const steps = makeContext({ order: { ...order, protocol_id: null, steps_ml_h: [30, 60], step_min: 15 } }, { catalog, rulebook }).protocol;
  assert.deepEqual([label.therapy, label.kind, label.basis], ['ivig', 'weight_titration', 'label']);
  assert.deepEqual([steps.therapy, steps.kind, steps.basis], ['ivig', 'fixed_steps', 'order']);
});

test('a kind declaring a field no row can carry is refused naming it', () => {
  const doc = readJson('../../server/clinical/data/products.json');
  doc.protocol_kinds.fixed_dose.fields.push('drip_factor');
  assert.throws(() => loadCatalog(doc), /products\.protocol_kinds\.fixed_dose\.fields\[2\]/);
});

test('a visit context builds for a kind without rate maths, which the rate maths refuse by name', () => {
  // TEST DATA (shape only, no clinical meaning): the Gammagard PI row turned into a fixed_dose row.
  const doc = readJson('../../server/clinical/data/products.json');
  Object.assign(doc.products[0], { kind: 'fixed_dose', rate_unit: 'mL/h', start_rate: null, first_step_min: null, ladder: null,
    step_min: null, max_rate: null, ladder_source: null, first_step_source: null, step_source: null,
    at_risk_cap_source: null, ladder_note: null, volume_ml: 100, duration_min: 30 });
  const context = makeContext({ order }, { catalog: loadCatalog(doc), rulebook: loadRulebook(rulesDoc(), cel, facts) });
  assert.deepEqual([context.protocol.kind, context.protocol.volume_ml, context.protocol.duration_min], ['fixed_dose', 100, 30]);
  assert.throws(() => rateLimit(context.protocol, limitsOf(context, false)),
    { message: 'no rate maths for a fixed_dose protocol (gammagard-liquid-10-pi)' });
});

test('a saline order of a volume over a time runs at that rate, and the order-safety panel asks no cap of it', () => {
  // LABELS.md s.6: no label rate, order-driven; 500 mL over 120 min is 250 mL/h.
  const rulebook = loadRulebook(rulesDoc(), cel, facts);
  const saline = { product_id: 'sodium-chloride-0.9', therapy: 'hydration', dosing_weight_kg: 70, volume_ml: 500,
    duration_min: 120, dose_g: 4.5 };
  const context = makeContext({ order: saline, patient: { risk_flags: ['thrombosis'] } }, { catalog, rulebook });
  assert.deepEqual([context.protocol.kind, context.protocol.ladder], ['fixed_dose', [250]]);
  assert.deepEqual(rateLimit(context.protocol, limitsOf(context, true)), { ml_h: 250, source: 'order_rate', exclusive: false });
  assert.equal(orderSafetyOf(context, true), null);
  // An IVIG without label rates, on explicit steps and no cap, is still asked for one.
  const alyglo = { product_id: 'alyglo-10', dosing_weight_kg: 70, steps_ml_h: [30, 60], step_min: 15 };
  const unrated = orderSafetyOf(makeContext({ order: alyglo }, { catalog, rulebook }), false);
  assert.deepEqual(unrated.problems.map((p) => p.code), ['order_cap_missing']);
});
