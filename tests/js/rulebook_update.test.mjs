// A tablet whose code is older than the rule set it receives (issue #18 item 5): it evaluates every
// rule it can, lists the ones it cannot with the reason, says an update is waiting, and always keeps
// an engine. The server (server/clinical/rules.py load_rules) refuses the same files loudly instead.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import { foldTimeline, loadCatalog, loadExpressionLanguage, loadRulebook, makeContext } from '../../pwa/rules.js';
import { RULES_SCHEMA } from '../../pwa/rules/rulebook.js';

const cel = await loadExpressionLanguage();
const readJson = (path) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const rulesDoc = readJson('../../server/clinical/data/rules.json');
const factsDoc = readJson('../../server/clinical/data/facts.json');
const catalog = loadCatalog(readJson('../../server/clinical/data/products.json'));
const hypoxiaCase = readJson('../vectors/rules.json').find((v) => v.expected_alerts.some((a) => a.rule === 'hypoxia'));

function changed(change) {
  const doc = structuredClone(rulesDoc);
  change(doc);
  return doc;
}
const rule = (doc, id) => doc.rules.find((r) => r.id === id);
const skippedIds = (book) => book.skipped.map((s) => s.id).sort();

describe('a rule set newer than the tablet', () => {
  test('the current rule set loads whole: nothing skipped, no update waiting', () => {
    const book = loadRulebook(rulesDoc, cel, factsDoc);
    assert.deepEqual(book.skipped, []);
    assert.equal(book.update_waiting, false);
  });

  test('an expression with a function or a fact this code lacks is skipped and listed, the rest run', () => {
    const doc = changed((d) => {
      d.rules.push({ ...rule(d, 'hr_high'), id: 'hr_trend', when: 'hr_slope(entry.hr) > hr_above' });
      d.rules.push({ ...rule(d, 'rr_high'), id: 'rr_trend', when: 'trend.rr > rr_above' });
      d.rules.push({ ...rule(d, 'hr_high'), id: 'hr_visit_trend', when: 'visit.trend_hr > hr_above' });
      d.rules.push({ ...rule(d, 'hypoxia'), id: 'spo2_trend', message: 'SpO2 falling {slope} per hour' });
    });
    const book = loadRulebook(doc, cel, factsDoc);
    assert.deepEqual(skippedIds(book), ['hr_trend', 'hr_visit_trend', 'rr_trend', 'spo2_trend']);
    assert.match(book.skipped.find((s) => s.id === 'hr_visit_trend').reason, /unknown visit\.trend_hr/);
    assert.match(book.skipped.find((s) => s.id === 'spo2_trend').reason, /placeholders without a value: slope/);
    assert.match(book.skipped.find((s) => s.id === 'hr_trend').reason, /hr_slope/);
    assert.equal(book.update_waiting, true);
    assert.ok(book.rules.hypoxia && !book.rules.hr_trend);
  });

  test('a coded rule whose newer message names a value this code does not report waits for the update', () => {
    const doc = changed((d) => { rule(d, 'vitals_overdue').message += '; the set due {due_min} min after the start was missed'; });
    const book = loadRulebook(doc, cel, factsDoc);
    assert.deepEqual(skippedIds(book), ['vitals_overdue']);
    assert.match(book.skipped[0].reason, /its message names due_min, which this tablet's code does not report/);
    assert.equal(book.update_waiting, true);
    assert.ok(book.rules.vitals_completion_missing && book.rules.fever);
  });

  test('a newer schema with unknown fields and an unknown kind of rule keeps every rule it can read', () => {
    const doc = changed((d) => {
      d.schema = RULES_SCHEMA + 1;
      d.escalation = { page_after_min: 5 };
      d.vitals_schedule.at_max_every_min_high_risk = 30;
      d.reaction_tiers[0].escalate_after_min = 15;
      rule(d, 'fever').explain = 'a field this tablet does not know';
      d.rules.push({ id: 'sepsis_screen', severity: 'urgent', enabled: true, message: 'x', source: 'y', score: 'qsofa' });
      d.rules.push({ ...rule(d, 'kit_missing'), id: 'kit_expiring' });
    });
    const book = loadRulebook(doc, cel, factsDoc);
    assert.deepEqual(skippedIds(book), ['kit_expiring', 'sepsis_screen']);
    assert.equal(book.update_waiting, true);
    assert.equal(Object.keys(book.rules).length, rulesDoc.rules.length);
  });

  test('a rule naming a fact this code does not compute, or no facts document, skips the rules that need it', () => {
    const doc = changed((d) => d.rules.push({ ...rule(d, 'hr_high'), id: 'hr_scig', when: "visit.therapy == 'scig'" }));
    assert.deepEqual(skippedIds(loadRulebook(doc, cel, factsDoc)), ['hr_scig']);
    assert.deepEqual(skippedIds(loadRulebook(doc, { ...cel, facts: factsDoc })), ['hr_scig']); // as the tablet loads it
    const book = loadRulebook(rulesDoc, { ...cel, facts: undefined });
    assert.equal(book.skipped.length, rulesDoc.rules.filter((r) => r.when).length);
    assert.match(book.skipped[0].reason, /no facts document/);
  });

  test('without the expression language the coded rules still run and every expression rule is listed', () => {
    const book = loadRulebook(rulesDoc, null);
    assert.ok(book.rules.kit_missing && !book.rules.fever);
    assert.equal(book.skipped.length, rulesDoc.rules.filter((r) => r.when).length);
  });

  test('the known rules still fire on a visit folded with the newer rule set', () => {
    const doc = changed((d) => {
      d.schema = RULES_SCHEMA + 1;
      d.rules.push({ ...rule(d, 'hypoxia'), id: 'hypoxia_trend', when: 'slope(entry.spo2) < 0.0' });
    });
    const context = makeContext(hypoxiaCase.context, { catalog, rulebook: loadRulebook(doc, cel, factsDoc) });
    const state = foldTimeline(hypoxiaCase.events, context, { now: hypoxiaCase.now });
    assert.deepEqual(state.alerts, hypoxiaCase.expected_alerts);
  });
});

describe("the tablet's clinical seam (visit_model.js clinicalFor)", () => {
  const reference = (rules) => ({ products: readJson('../../server/clinical/data/products.json'), rules,
    ranges: readJson('../../server/clinical/data/ranges.json') });

  test('a newer rule set gives an engine that lists what it skips and says an update is waiting', async () => {
    const { clinicalFor } = await import('../../pwa/visit_model.js');
    const clinical = await clinicalFor(reference(changed((d) => {
      d.rules.push({ ...rule(d, 'hr_high'), id: 'hr_trend', when: 'hr_slope(entry.hr) > hr_above' });
    })));
    assert.deepEqual(clinical.skipped.map((s) => s.id), ['hr_trend']);
    assert.equal(clinical.updateWaiting, true);
  });

  test('a rule set it cannot read at all keeps the engine it had, marked as waiting for an update', async () => {
    const { clinicalFor } = await import('../../pwa/visit_model.js');
    const previous = await clinicalFor(reference(rulesDoc));
    assert.equal(previous.updateWaiting, false);
    const kept = await clinicalFor(reference(changed((d) => { d.late_entry_min = 'soon'; })), previous);
    assert.equal(kept, previous);
    assert.equal(kept.updateWaiting, true);
    assert.equal(await clinicalFor(reference(changed((d) => { d.late_entry_min = 'soon'; }))), null);
  });

  test('a visit begun before a catalogue edit is folded with the rows it began under', async () => {
    const { clinicalFor } = await import('../../pwa/visit_model.js');
    const products = readJson('../../server/clinical/data/products.json');
    const packaged = products.products.find((r) => r.protocol_id === 'gammagard-liquid-10-pi');
    const edited = { ...packaged, ladder: [0.5, 1, 2, 3, 4, 5], ladder_source: ['label', 'maker', 'maker', 'maker', 'maker', 'label'] };
    const clinical = await clinicalFor({ ...reference(rulesDoc), products: {
      ...products, products: products.products.map((r) => (r === packaged ? edited : r)) } });
    const order = { product_id: 'gammagard-liquid-10', dosing_weight_kg: 70, indication: 'PI', steps_ml_h: null,
      step_min: null, dose_g_per_kg: 0.4, dose_g: null, rate_cap_ml_h: null, vitals_schedule: null,
      safety_override: null, premeds: [], prn_orders: [] };
    const ladder = (context) => clinical.context({ id: JSON.stringify(context), context }).protocol.ladder;
    assert.deepEqual(ladder({ order, patient: {}, protocol_rows: {} }), [0.5, 1, 2, 3, 4, 5]);
    assert.deepEqual(ladder({ order, patient: {}, protocol_rows: { [packaged.protocol_id]: packaged } }), [0.5, 1, 2, 4, 5]);
  });
});
