// Rate arithmetic, rounding and the data loaders beyond the shared vectors: the loaders refuse what
// the server's loaders refuse, and the numbers round the same way on both sides.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import {
  findProduct, findProtocol, formatNumber, loadCatalog, loadExpressionLanguage, loadRulebook, orderProtocol, protocolFor, rateLimit,
  recommendNextRate, roundHalfUp, stepSchedule, suggestedActions, toMlH,
} from '../../pwa/rules.js';
import { protocolForInfusion } from '../../pwa/rules/catalog.js';

const cel = await loadExpressionLanguage();
const readJson = (path) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const productsDoc = readJson('../../server/clinical/data/products.json');
const rulesDoc = readJson('../../server/clinical/data/rules.json');
const catalog = loadCatalog(productsDoc);
const factsDoc = readJson('../../server/clinical/data/facts.json');
const rulebook = loadRulebook(rulesDoc, cel, factsDoc);

// loadCatalog of products.json with its first row changed (the whole document is passed too).
function loadChangedRow(change) {
  const doc = structuredClone(productsDoc);
  change(doc.products[0], doc);
  return loadCatalog(doc);
}

function loadChangedRules(change) {
  const doc = structuredClone(rulesDoc);
  change(doc);
  return loadRulebook(doc, cel, factsDoc);
}

describe('rounding', () => {
  test('halves round up, decimal halves written by people included', () => {
    assert.equal(roundHalfUp(0.285, 2), 0.29);
    assert.equal(roundHalfUp(1.005, 2), 1.01);
    assert.equal(roundHalfUp(-0.5), 0);
    assert.equal(roundHalfUp(-1.25, 1), -1.2);
  });

  test('numbers in messages drop trailing zeros and never show -0', () => {
    assert.equal(formatNumber(38.0), '38');
    assert.equal(formatNumber(36.85, 2), '36.85');
    assert.equal(formatNumber(356.849, 1), '356.8');
    assert.equal(formatNumber(-0.0001, 2), '0');
  });
});

describe('rates', () => {
  const gammagard = findProtocol(catalog, 'gammagard-liquid-10-pi');

  test('a 5% product needs twice the volume of a 10% one for the same mg/kg/min', () => {
    assert.equal(toMlH(1, 'mg/kg/min', { weight_kg: 70, concentration_mg_ml: 50 }), 84);
    assert.equal(toMlH(1, 'mg/kg/min', { weight_kg: 70, concentration_mg_ml: 100 }), 42);
  });

  test("an order's cap below the label maximum becomes the last step", () => {
    assert.deepEqual(rateLimit(gammagard, { weight_kg: 70, cap_ml_h: 200 }),
      { ml_h: 200, source: 'order_cap', exclusive: false });
    const steps = stepSchedule(gammagard, { weight_kg: 70, cap_ml_h: 200 });
    assert.deepEqual(steps.map((s) => [s.rate_ml_h, s.hold_min]), [[35, 30], [70, 30], [140, 30], [200, null]]);
  });

  test("an order's cap above the label maximum never lifts it", () => {
    const privigenItp = findProtocol(catalog, 'privigen-10-itp'); // 4 mg/kg/min x 70 kg x 60 / 100 = 168 mL/h
    assert.deepEqual(rateLimit(privigenItp, { weight_kg: 70, cap_ml_h: 300 }), { ml_h: 168, source: 'label_max', exclusive: false });
    assert.equal(stepSchedule(privigenItp, { weight_kg: 70, cap_ml_h: 300 }).at(-1).rate_ml_h, 168);
  });

  test('an exclusive at-risk cap keeps every step strictly below it', () => {
    const bivigam = findProtocol(catalog, 'bivigam-10-pi');
    const limit = rateLimit(bivigam, { weight_kg: 70, at_risk: true });
    assert.equal(limit.exclusive, true);
    assert.ok(stepSchedule(bivigam, { weight_kg: 70, at_risk: true }).every((s) => s.rate_ml_h < limit.ml_h));
  });

  test('advice defaults: not started means start now; a finished ladder means maintain', () => {
    assert.equal(recommendNextRate(gammagard, { weight_kg: 70 }).action, 'start');
    assert.deepEqual(recommendNextRate(gammagard, { weight_kg: 70, current_rate_ml_h: 349.8 }),
      { action: 'maintain', rate_ml_h: 349.8, due_in_min: null, step_index: 4, limit_ml_h: 350 });
  });

  test('an order protocol runs its own mL/h steps and refuses steps that do not climb', () => {
    const product = findProduct(catalog, 'privigen-10');
    const protocol = orderProtocol({ product, steps_ml_h: [30, 60], step_min: 15, first_step_min: 30 });
    const steps = stepSchedule(protocol, { weight_kg: 70 });
    assert.deepEqual(steps.map((s) => [s.rate_ml_h, s.starts_at_min]), [[30, 0], [60, 30]]);
    assert.throws(() => orderProtocol({ product, steps_ml_h: [], step_min: 15 }), /positive rates/);
    assert.throws(() => orderProtocol({ product, steps_ml_h: [30, 30], step_min: 15 }), /strictly increasing/);
    assert.throws(() => orderProtocol({ product, steps_ml_h: [30], step_min: 0 }), /step times/);
  });
});

describe('loadCatalog', () => {
  test('finds protocols by id, by product and indication, and products by id', () => {
    assert.equal(protocolFor(catalog, 'octagam-10', 'ITP').id, 'octagam-10-itp');
    assert.equal(findProduct(catalog, 'privigen-10').concentration_mg_ml, 100);
    assert.throws(() => findProtocol(catalog, 'nope'), /no protocol 'nope'/);
  });

  test('the loaded catalog cannot be changed by accident', () => {
    assert.ok(Object.isFrozen(catalog.protocols[0].ladder));
    // Provenance is for people: the protocols the folds read carry none of it but where the steps' times come
    // from, which order safety holds an order's interval to (the label's times bind, ivlog's generated ones do not).
    const provenance = ['ladder_source', 'at_risk_cap_source', 'min_age_years'];
    for (const key of [...provenance, 'ndcs']) {
      assert.ok(!(key in catalog.protocols[0]), key);
    }
    assert.deepEqual([catalog.protocols[0].first_step_source, catalog.protocols[0].step_source], ['label', 'label']);
  });

  test('refuses a ladder that does not run from start to maximum, or does not climb', () => {
    const overshoot = (row) => { row.ladder = [...row.ladder.slice(0, -1), row.max_rate + 1]; };
    const flat = (row) => { row.ladder = [row.start_rate, row.start_rate, row.max_rate]; };
    assert.throws(() => loadChangedRow(overshoot), /start_rate to max_rate/);
    assert.throws(() => loadChangedRow(flat), /strictly increasing/);
    assert.throws(() => loadChangedRow((row) => { row.at_risk_cap = row.max_rate; }), /at_risk_cap/);
  });

  const later = {
    start_rate: 1, first_step_min: 15, step_min: 15, ladder: [1, 2, 5], ladder_source: ['organization', 'organization', 'label'],
    first_step_source: 'organization', step_source: 'organization', source: 'pharmacist, 2025-07-01',
  };

  test('a row may give later infusions their own start and step times', () => {
    const first = findProtocol(loadChangedRow((row) => { row.subsequent = later; }), productsDoc.products[0].protocol_id);
    const next = protocolForInfusion(first, 'subsequent');
    assert.deepEqual([first.infusion, first.ladder, first.step_min], ['first', [0.5, 1, 2, 4, 5], 30]);
    assert.deepEqual([next.infusion, next.ladder, next.first_step_min, next.step_min], ['subsequent', [1, 2, 5], 15, 15]);
    assert.equal(protocolForInfusion(first, 'first'), first);
    const qivigy = protocolForInfusion(findProtocol(catalog, 'qivigy-10-pi'), 'subsequent');
    assert.deepEqual(stepSchedule(qivigy, { weight_kg: 70 }).map((s) => [s.rate_ml_h, s.hold_min]), [[84, 15], [168, 15], [336, null]]);
  });

  test('refuses a broken subsequent block', () => {
    const broken = (change) => () => loadChangedRow((row) => { row.subsequent = { ...later, ...change }; });
    assert.throws(broken({ ladder: [1, 2, 4] }), /subsequent: ladder must run from start_rate to max_rate/);
    assert.throws(broken({ ladder: [1, 1, 5] }), /subsequent: ladder must be strictly increasing/);
    assert.throws(broken({ ladder_source: ['label'] }), /subsequent: ladder_source must match the ladder/);
    assert.throws(broken({ source: '' }), /source/);
    assert.throws(broken({ max_rate: 5 }), /unknown field/);
    assert.throws(() => loadChangedRow((row) => { row.at_risk_cap = 0.8; row.subsequent = later; }),
      /subsequent: at_risk_cap must lie above its start rate/);
  });

  test('refuses unknown fields, wrong types and duplicate or disagreeing rows', () => {
    assert.throws(() => loadChangedRow((row) => { row.colour = 'blue'; }), /unknown field/);
    assert.throws(() => loadChangedRow((row) => { row.ladder_source.pop(); }), /ladder_source must match the ladder/);
    assert.throws(() => loadChangedRow((row) => { row.step_source = 'a guess'; }), /step_source: must be one of/);
    assert.throws(() => loadChangedRow((row) => { row.at_risk_cap_source = ''; }), /at_risk_cap_source/);
    assert.throws(() => loadChangedRow((row) => { row.ndcs = [{ ndc: '0944-2705' }]; }), /labeler/);
    assert.throws(() => loadChangedRow((row) => { row.min_age_years = 0; }), /min_age_years/);
    assert.throws(() => loadChangedRow((row) => { row.concentration_mg_ml = '100'; }), /must be a number/);
    assert.throws(() => loadChangedRow((row) => { row.step_min = 30.5; }), /whole number/);
    assert.throws(() => loadChangedRow((row) => { row.verified_on = '2025-02-30'; }), /date/);
    assert.throws(() => loadChangedRow((row, doc) => { doc.products.push({ ...row }); }), /unique/);
    const fivePercent = (row, doc) => { doc.products.push({ ...row, protocol_id: 'x', concentration_mg_ml: 50 }); };
    assert.throws(() => loadChangedRow(fivePercent), /disagree/);
  });
});

describe('loadRulebook', () => {
  test('refuses a file of its own schema that is bad as a whole', () => {
    assert.throws(() => loadChangedRules((doc) => { doc.rules.push(doc.rules[0]); }), /unique/);
    assert.throws(() => loadChangedRules((doc) => { doc.rules[0].severity = 'urgent'; }), /severity/);
    assert.throws(() => loadChangedRules((doc) => { doc.late_entry_min = 0; }), /late_entry_min/);
    assert.throws(() => loadChangedRules((doc) => { doc.infusion_series.long_gap_days = 0; }), /long_gap_days/);
    assert.throws(() => loadChangedRules((doc) => { delete doc.infusion_series; }), /infusion_series/);
  });

  test('reaction guidance by grade', () => {
    assert.equal(suggestedActions(rulebook, 1).tier, 'mild');
    assert.equal(suggestedActions(rulebook, 4).tier, 'life_threatening');
    assert.equal(suggestedActions(rulebook, 9), null);
  });
});
