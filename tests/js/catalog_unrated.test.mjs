// Products without verified rates (products.json products_without_rates; LABELS.md s.2.10) in the tablet's
// loader and visit context, as tests/clinical/test_products_without_rates.py holds the server's.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { findProduct, loadCatalog, protocolFor, unratedProduct } from '../../pwa/rules/catalog.js';
import { makeContext } from '../../pwa/rules/context.js';
import { loadExpressionLanguage, loadRulebook } from '../../pwa/rules.js';

const readJson = (path) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const packaged = readJson('../../server/clinical/data/products.json');
const catalog = loadCatalog(packaged);
const NOTE = 'rates not verified; order must give explicit steps';

test('the catalogue lists the products LABELS.md found without rates, with their NDCs and the note', () => {
  const found = Object.fromEntries(catalog.unrated.map((e) => [e.product.id, [e.ndcs.map((n) => n.ndc), e.min_age_years]]));
  assert.deepEqual(found, {
    'alyglo-10': [['61476-104'], null], 'yimmugo-10': [['70573-605'], null], 'gammagard-liquid-erc-10': [['0944-2705'], 2],
    'sodium-chloride-0.9': [[], null],
  });
  const ivig = catalog.unrated.filter((e) => e.product.therapy === 'ivig');
  assert.ok(ivig.length === 3 && ivig.every((e) => e.rates_note === NOTE && e.source.startsWith('LABELS.md s.2.10')));
  const [saline] = catalog.unrated.filter((e) => e.product.therapy === 'hydration');
  assert.equal(saline.rates_note, 'no label rate; the order gives the volume and the time');
  assert.ok(saline.source.startsWith('LABELS.md s.6'));
});

test('a product without rates is a product but has no protocol', () => {
  assert.equal(findProduct(catalog, 'alyglo-10').name, 'Alyglo 10%');
  assert.equal(unratedProduct(catalog, 'privigen-10'), null);
  assert.throws(() => protocolFor(catalog, 'alyglo-10', 'PI'), /no protocol/);
});

for (const [change, message] of [
  [{ ladder: [1, 2] }, /ladder/], [{ rates_note: 'rates fine' }, /rates_note/],
  [{ product_id: 'privigen-10' }, /none that has label rows/], [{ concentration_mg_ml: 0 }, /concentration_mg_ml/],
  [{ source: '' }, /source/],
]) {
  test(`a broken entry without rates is refused at load: ${JSON.stringify(change)}`, () => {
    const [first, ...rest] = packaged.products_without_rates;
    assert.throws(() => loadCatalog({ ...packaged, products_without_rates: [{ ...first, ...change }, ...rest] }), message);
  });
}

test('a product listed twice is refused', () => {
  const twice = [...packaged.products_without_rates, packaged.products_without_rates[0]];
  assert.throws(() => loadCatalog({ ...packaged, products_without_rates: twice }), /each product once/);
});

const rulebook = loadRulebook(readJson('../../server/clinical/data/rules.json'), await loadExpressionLanguage(), readJson('../../server/clinical/data/facts.json'));
const ORDER = { product_id: 'alyglo-10', indication: 'PI', dosing_weight_kg: 70 };

test('a visit on Alyglo with steps runs an order protocol with no label row', () => {
  const order = { ...ORDER, steps_ml_h: [30, 60, 120], step_min: 15, rate_cap_ml_h: 120 };
  const context = makeContext({ order }, { catalog, rulebook });
  assert.deepEqual([context.protocol.kind, context.protocol.basis], ['fixed_steps', 'order']);
  assert.deepEqual([...context.protocol.ladder], [30, 60, 120]);
  assert.equal(context.label_protocol, null);
  assert.equal(context.unrated.rates_note, NOTE);
});

test('a visit on Alyglo without steps fails saying the rates are not verified', () => {
  assert.throws(() => makeContext({ order: ORDER }, { catalog, rulebook }), /rates not verified for Alyglo 10%; give explicit steps/);
});

test('a row without ndcs lists none, as on the server (the default sits beside a $ref in the schema)', () => {
  const doc = structuredClone(packaged);
  delete doc.products[0].ndcs;
  delete doc.products_without_rates[0].ndcs;
  const catalog = loadCatalog(doc);
  assert.deepEqual(catalog.unrated[0].ndcs, []);
});
