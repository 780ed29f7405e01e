// Therapy and protocol kind on the tablet (twin of tests/clinical/test_therapy.py): a rule naming a
// therapy or kind the products data does not declare, or an order whose therapy is not its product's,
// stops the visit context loudly. Which rules run on which visit: tests/vectors/applies_to.json.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { loadCatalog, loadExpressionLanguage, loadRulebook, makeContext } from '../../pwa/rules.js';

const readJson = (path) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const cel = await loadExpressionLanguage();
const catalog = loadCatalog(readJson('../../server/clinical/data/products.json'));
const rulesDoc = () => readJson('../../server/clinical/data/rules.json');
const order = { product_id: 'gammagard-liquid-10', protocol_id: 'gammagard-liquid-10-pi', dosing_weight_kg: 70 };

for (const [field, names, name] of [['therapies', ['ivig', 'hydration'], 'hydration'], ['protocol_kinds', ['fixed_steps', 'step_down'], 'step_down']]) {
  test(`a rule naming an undeclared ${field} entry stops the visit`, () => {
    const doc = rulesDoc();
    doc.rules[0].applies_to[field] = names;
    const rulebook = loadRulebook(doc, cel);
    assert.throws(() => makeContext({ order }, { catalog, rulebook }),
      { message: `rules data: rule 'fever' applies_to.${field} names undeclared ${name}` });
  });
}

test('a rule without applies_to is refused naming the field', () => {
  const doc = rulesDoc();
  delete doc.rules[0].applies_to;
  assert.throws(() => loadRulebook(doc, cel), /rules\.rules\[0\]\.applies_to/);
});

test('an order for another therapy than its product is refused', () => {
  const rulebook = loadRulebook(rulesDoc(), cel);
  assert.throws(() => makeContext({ order: { ...order, therapy: 'scig' } }, { catalog, rulebook }),
    { message: "order.therapy 'scig' is not its product's ('ivig')" });
});

test("a visit has its protocol's therapy and kind", () => {
  const rulebook = loadRulebook(rulesDoc(), cel);
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
