// A tablet whose code is newer than its cached reference (issue #18 item 5): the code updated through
// the service worker, the reference is still the one from before therapies and protocol kinds
// (tests/vectors/older/: products.json and rules.json schema 2 as they were). The tablet reads it as
// the IVIG-only world it described and folds and alerts as with the current files; it is older, not
// newer, so no update is waiting. A current document keeps every check.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import { loadCatalog, loadExpressionLanguage, loadRulebook } from '../../pwa/rules.js';
import { clinicalFor } from '../../pwa/visit_model.js';
import { NOW_DATA_IDS } from '../../pwa/rules/alerts.js';

const readJson = (path) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const ranges = readJson('../../server/clinical/data/ranges.json');
const current = () => ({ products: readJson('../../server/clinical/data/products.json'),
  rules: readJson('../../server/clinical/data/rules.json'), ranges });
const older = () => ({ products: readJson('../vectors/older/products.json'), rules: readJson('../vectors/older/rules.json'), ranges });
// The IVIG vectors: the older world had no other therapy (a saline order's product is not in it).
const cases = [...readJson('../vectors/rules.json'), ...readJson('../vectors/rule_coverage.json')]
  .filter((vector) => (vector.context.order.therapy ?? 'ivig') === 'ivig');
const fever = cases.find((c) => c.expected_alerts.map((a) => a.rule).join() === 'fever');

const alertsOf = (clinical, vector, context = vector.context) =>
  clinical.fold({ id: vector.name, context }, vector.events, new Date(vector.now ?? vector.events.at(-1).occurred_at)).alerts;

describe('an older cached reference on newer code', () => {
  test('gives a working engine that is not waiting for an update', async () => {
    const clinical = await clinicalFor(older());
    assert.ok(clinical && !clinical.unreadable);
    assert.equal(clinical.updateWaiting, false);
    assert.deepEqual(clinical.skipped, []);
    assert.equal(clinical.catalog.older, true);
    assert.equal(clinical.rulebook.older, true);
    assert.deepEqual([clinical.catalog.therapies, clinical.catalog.protocol_kinds], [['ivig'], ['weight_titration', 'fixed_steps']]);
  });

  test('a rule that was code in the older file and is data now runs from its definition, which is its current row', async () => {
    const now = Object.fromEntries(current().rules.rules.map((rule) => [rule.id, rule]));
    const coded = older().rules.rules.filter((rule) => NOW_DATA_IDS.includes(rule.id));
    assert.deepEqual(coded.map((rule) => rule.when ?? null), NOW_DATA_IDS.map(() => null));
    const book = (await clinicalFor(older())).rulebook;
    for (const id of NOW_DATA_IDS) {
      const { each, when, values, thresholds } = book.rules[id];
      assert.deepEqual({ each, when, values, thresholds },
        { each: now[id].each, when: now[id].when, values: now[id].values, thresholds: now[id].thresholds }, id);
    }
  });

  // Of the rules the older file has: one added since (rates_past_opened) runs once the reference is new.
  // Where a rule added since supersedes one the older file has (start_rate_skips_steps over start_rate_high),
  // the older file raises its own on that entry instead.
  test('every rule vector raises the same alerts as with the current files', async () => {
    const [then, now] = [await clinicalFor(older()), await clinicalFor(current())];
    const known = new Set(older().rules.rules.map((rule) => rule.id));
    const ofKnown = (alerts) => alerts.filter((alert) => known.has(alert.rule));
    const supersedesKnown = (alert) => !known.has(alert.rule) && now.rulebook.rules[alert.rule].supersedes.some((id) => known.has(id));
    assert.ok(cases.length > 40 && current().rules.rules.some((rule) => !known.has(rule.id)));
    // A rule's words are its file's: where the current file words a rule anew (premed_timing's "at the start"),
    // the older file's own words are expected of it, and the rest of the alert must be the same.
    const { rules: olderRules } = older().rules, nowRules = Object.fromEntries(current().rules.rules.map((r) => [r.id, r]));
    const reworded = new Set(olderRules.filter((r) => JSON.stringify([r.message, r.values]) !== JSON.stringify(
      [nowRules[r.id]?.message, nowRules[r.id]?.values])).map((r) => r.id));
    const worded = (list) => list.map((a) => (reworded.has(a.rule) ? { ...a, message: '(the file\'s own words)' } : a));
    assert.ok(reworded.has('premed_timing'));
    let instead = 0;
    for (const vector of cases) {
      const alerts = alertsOf(then, vector);
      for (const newer of vector.expected_alerts.filter(supersedesKnown)) {
        const own = now.rulebook.rules[newer.rule].supersedes;
        assert.ok(alerts.some((a) => own.includes(a.rule) && a.event_ids[0] === newer.event_ids[0]), vector.name);
        instead += 1;
      }
      const settled = (list) => list.filter((a) => !vector.expected_alerts.some((n) => supersedesKnown(n)
        && now.rulebook.rules[n.rule].supersedes.includes(a.rule) && a.event_ids[0] === n.event_ids[0]));
      assert.deepEqual(worded(settled(alerts)), worded(ofKnown(vector.expected_alerts)), vector.name);
      assert.deepEqual(worded(settled(alerts)), worded(ofKnown(alertsOf(now, vector))), vector.name);
    }
    assert.ok(instead >= 2);
  });

  test("its rows are IVIG by weight and an order's explicit steps are fixed_steps, which its rules run on", async () => {
    const clinical = await clinicalFor(older());
    const label = clinical.context({ id: 'label', context: fever.context }).protocol;
    assert.deepEqual([label.therapy, label.kind, label.product.therapy], ['ivig', 'weight_titration', 'ivig']);
    assert.ok(clinical.catalog.unrated.length > 0 && clinical.catalog.unrated.every((u) => u.product.therapy === 'ivig'));
    const order = { ...fever.context.order, protocol_id: null, indication: 'PI', steps_ml_h: [35, 70, 140, 280, 350], step_min: 30 };
    const steps = { ...fever.context, order };
    assert.equal(clinical.context({ id: 'steps', context: steps }).protocol.kind, 'fixed_steps');
    const alerts = alertsOf(clinical, fever, steps);
    assert.ok(alerts.some((a) => a.rule === 'fever'), JSON.stringify(alerts));
    assert.deepEqual(alerts, alertsOf(await clinicalFor(current()), fever, steps));
  });

  test('a visit begun under an older catalogue row (protocol_rows of the older server) folds with it', async () => {
    const reference = older();
    const packaged = reference.products.products.find((r) => r.protocol_id === fever.context.order.protocol_id);
    const clinical = await clinicalFor(reference);
    const context = { ...fever.context, protocol_rows: { [packaged.protocol_id]: { ...packaged, step_min: 20 } } };
    assert.equal(clinical.context({ id: 'rows', context }).protocol.step_min, 20);
  });

  test('older rules with current products, and current rules with older products, both load', async () => {
    for (const [products, rules] of [[current().products, older().rules], [older().products, current().rules]]) {
      const clinical = await clinicalFor({ products, rules, ranges });
      assert.deepEqual(alertsOf(clinical, fever), fever.expected_alerts);
    }
  });
});

const cel = await loadExpressionLanguage();

describe('a current document keeps every check', () => {
  test('products declaring one of therapies and protocol_kinds but not the other are refused, naming it', () => {
    for (const field of ['therapies', 'protocol_kinds']) {
      const doc = current().products;
      delete doc[field];
      assert.throws(() => loadCatalog(doc), { message: `products.${field}: is required` });
    }
  });

  test('a row without its kind or therapy in a current document is refused', () => {
    for (const field of ['kind', 'therapy']) {
      const doc = current().products;
      delete doc.products[0][field];
      assert.throws(() => loadCatalog(doc), new RegExp(`products\\.products\\[0\\]\\.${field}: is required`));
    }
  });

  test('a current row of a shape its kind does not declare is refused, and the current catalogue is not older', () => {
    const doc = current().products;
    doc.products[0].volume_ml = 250;
    assert.throws(() => loadCatalog(doc), /volume_ml is not a field of a weight_titration row/);
    assert.equal(loadCatalog(current().products).older, false);
  });

  test('a schema 3 rule without applies_to is refused; schema 3 is neither older nor newer', () => {
    const doc = current().rules;
    assert.deepEqual([loadRulebook(doc, cel).older, loadRulebook(doc, cel).newer], [false, false]);
    delete doc.rules[0].applies_to;
    assert.throws(() => loadRulebook(doc, cel), /rules\.rules\[0\]\.applies_to: is required/);
  });
});
