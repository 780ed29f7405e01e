// The shared clinical test vectors (tests/vectors/*.json) run against the tablet's rules.js, with the
// matching rules of tests/vectors/README.md and tests/clinical/test_vectors.py: an expected object is a
// subset, an expected list matches element by element with the same length, numbers compare by value,
// booleans only equal booleans; raw conversions compare within 1e-9; alerts compare exactly.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import {
  findProduct, findProtocol, foldTimeline, fromMlH, loadCatalog, loadExpressionLanguage, loadOtherOrders, loadRulebook, makeContext,
  orderProtocol,
  recommendNextRate, roundHalfUp, stepSchedule, toMlH,
} from '../../pwa/rules.js';
import { FACTS_VERSION } from '../../pwa/rules/alerts.js';
import { instantOf } from '../../pwa/rules/clock.js';
import { applyCorrections } from '../../pwa/rules/corrections.js';
import { entryFromEvent, inFoldOrder } from '../../pwa/rules/events.js';
import { buildPicture } from '../../pwa/rules/picture.js';
import { placeInSeries } from '../../pwa/rules/series.js';
import { checkOrder, orderAccepted } from '../../pwa/lazy/order_safety.js';

const cel = await loadExpressionLanguage();
const orders = await loadOtherOrders();
const readJson = (path) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const catalog = loadCatalog(readJson('../../server/clinical/data/products.json'));
const factsDoc = readJson('../../server/clinical/data/facts.json');
const rulebook = loadRulebook(readJson('../../server/clinical/data/rules.json'), cel, factsDoc);
const ranges = readJson('../../server/clinical/data/ranges.json');

function assertMatches(actual, expected, path = '$') {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual) && actual.length === expected.length,
      `${path}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`);
    expected.forEach((want, index) => assertMatches(actual[index], want, `${path}[${index}]`));
  } else if (typeof expected === 'object' && expected !== null) {
    assert.ok(typeof actual === 'object' && actual !== null && !Array.isArray(actual),
      `${path}: expected an object, got ${JSON.stringify(actual)}`);
    for (const [key, want] of Object.entries(expected)) {
      assert.ok(Object.hasOwn(actual, key), `${path}.${key} is missing`);
      assertMatches(actual[key], want, `${path}.${key}`);
    }
  } else if (typeof expected === 'boolean' || typeof actual === 'boolean') {
    assert.equal(actual, expected, `${path}: ${JSON.stringify(actual)} is not ${JSON.stringify(expected)}`);
  } else {
    assert.equal(actual, expected, `${path}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`);
  }
}

function protocolFrom(inputs) {
  const { protocol_id, product_id, steps_ml_h, step_min, first_step_min = null, label_protocol_id, ...rest } = inputs;
  const protocol = protocol_id !== undefined ? findProtocol(catalog, protocol_id)
    : orderProtocol({ product: findProduct(catalog, product_id), steps_ml_h, step_min, first_step_min });
  if (label_protocol_id !== undefined) rest.label = findProtocol(catalog, label_protocol_id);
  return { protocol, options: rest };
}

function runRateCase({ function: name, input }) {
  if (name === 'round_half_up') return roundHalfUp(input.x, input.places);
  if (name === 'to_ml_h') {
    const { rate, unit, ...units } = input;
    return toMlH(rate, unit, units);
  }
  if (name === 'from_ml_h') {
    const { rate_ml_h, unit, ...units } = input;
    return fromMlH(rate_ml_h, unit, units);
  }
  const { protocol, options } = protocolFrom(input);
  if (name === 'step_schedule') return stepSchedule(protocol, options);
  if (name === 'recommend_next_rate') return recommendNextRate(protocol, options);
  throw new Error(`unknown vector function ${name}`);
}

// The lazy orders module only where the context holds additional orders (a visit of one order folds without it).
function fold(vector, book = rulebook) {
  const context = makeContext(vector.context, { catalog, rulebook: book, ranges, orders: vector.context.other_orders?.length ? orders : null });
  return foldTimeline(vector.events, context, { now: vector.now });
}

describe('rates.json', () => {
  for (const vector of readJson('../vectors/rates.json')) {
    test(vector.name, () => {
      const result = runRateCase(vector);
      if (vector.function === 'to_ml_h' || vector.function === 'from_ml_h') {
        assert.ok(Math.abs(result - vector.expected) <= 1e-9, `${result} is not within 1e-9 of ${vector.expected}`);
      } else {
        assertMatches(result, vector.expected);
      }
    });
  }
});

describe('order_safety.json', () => {
  for (const vector of readJson('../vectors/order_safety.json')) {
    test(vector.name, () => {
      // A product without verified rates has no label row: the vector names the product instead.
      const { protocol_id, product_id, ...options } = vector.input;
      const safety = checkOrder(protocol_id ? findProtocol(catalog, protocol_id) : null, options);
      const result = { ...safety, accepted: orderAccepted(safety, { overridden: false }),
        accepted_with_override: orderAccepted(safety, { overridden: true }) };
      assertMatches(result, vector.expected);
    });
  }
});

describe('rules.json and rule_coverage.json', () => {
  for (const vector of [...readJson('../vectors/rules.json'), ...readJson('../vectors/rule_coverage.json')]) {
    test(vector.name, () => {
      assert.deepEqual(fold(vector).alerts, vector.expected_alerts);
    });
  }
});

describe('applies_to.json', () => {
  // Its base visit of rules.json, folded with the packaged rules but the named rules' applies_to.
  const bases = readJson('../vectors/rules.json');
  for (const vector of readJson('../vectors/applies_to.json')) {
    test(vector.name, () => {
      const doc = readJson('../../server/clinical/data/rules.json');
      for (const rule of doc.rules) rule.applies_to = vector.applies_to[rule.id] ?? rule.applies_to;
      const base = bases.find((c) => c.name === vector.base);
      assert.deepEqual(fold(base, loadRulebook(doc, cel, factsDoc)).alerts, vector.expected_alerts);
    });
  }
});

describe('timeline.json', () => {
  for (const vector of readJson('../vectors/timeline.json')) {
    test(vector.name, () => {
      const state = fold(vector);
      state.entries_by_id = Object.fromEntries(state.entries.map((entry) => [entry.event_id, entry]));
      assertMatches(state, vector.expected);
    });
  }
});

function runSeriesCase(vector) {
  if (vector.function === 'fold') return fold(vector);
  const { series, product_id, long_gap_days } = vector.input;
  const place = placeInSeries(series, product_id, long_gap_days);
  return { number: place.number, kind: place.kind, reason: place.reason, previous_visit_id: place.previous?.visit_id ?? null };
}

describe('series.json', () => {
  for (const vector of readJson('../vectors/series.json')) {
    test(vector.name, () => assertMatches(runSeriesCase(vector), vector.expected));
  }
});

// What visit_orders.json's context cases compare: the primary's protocol and each other order's.
function contextOut(context) {
  return {
    protocol_id: context.protocol.id,
    other_protocols: context.other_orders.map((order, i) => {
      const p = context.other_protocols[i];
      return { order_id: order.id, protocol_id: p.id, kind: p.kind, basis: p.basis, therapy: p.therapy, product_id: p.product.id };
    }),
  };
}

describe('visit_orders.json', () => {
  for (const vector of readJson('../vectors/visit_orders.json')) {
    test(vector.name, () => {
      if (vector.function === 'fold') {
        const state = fold(vector);
        state.entries_by_id = Object.fromEntries(state.entries.map((entry) => [entry.event_id, entry]));
        assertMatches(state, vector.expected);
      } else if (vector.valid) {
        assertMatches(contextOut(makeContext(vector.context, { catalog, rulebook, ranges, orders })), vector.expected);
      } else {
        assert.throws(() => makeContext(vector.context, { catalog, rulebook, ranges, orders }),
          (error) => error.message.includes(vector.message));
      }
    });
  }
});

test('a visit of several orders needs the lazy orders module; a visit of one order does not', () => {
  const [several] = readJson('../vectors/visit_orders.json');
  assert.throws(() => makeContext(several.context, { catalog, rulebook, ranges }), /additional orders need \{orders: await loadOtherOrders/);
  const { other_orders: _, ...one } = several.context;
  assert.equal(makeContext(one, { catalog, rulebook, ranges }).other_orders.length, 0);
});

test('the vector files hold plain JSON cases with unique names', () => {
  for (const name of ['rates.json', 'rules.json', 'rule_coverage.json', 'timeline.json', 'series.json', 'applies_to.json',
    'visit_orders.json']) {
    const names = readJson(`../vectors/${name}`).map((vector) => vector.name);
    assert.ok(names.length >= 5 && new Set(names).size === names.length, name);
  }
});

test('every rule of the rules data is raised by a shared vector', () => {
  const raised = new Set(['rules.json', 'rule_coverage.json']
    .flatMap((name) => readJson(`../vectors/${name}`)).flatMap((vector) => vector.expected_alerts.map((a) => a.rule)));
  assert.deepEqual(Object.keys(rulebook.rules).filter((id) => !raised.has(id)), []);
});

// The fold's picture of a vector (the steps of foldTimeline up to it).
function pictureOf(vector) {
  const context = makeContext(vector.context, { catalog, rulebook, ranges });
  const ordered = inFoldOrder(vector.events).map(({ event, key }, rank) => entryFromEvent(event, key, rank, context.ranges));
  const { effective } = applyCorrections(ordered, context.ranges, rulebook.entry_authority);
  return buildPicture(effective, context, instantOf(vector.now));
}
const judged = (picture) => picture.entries.filter((entry) => Object.hasOwn(factsDoc.each, entry.kind));

describe('facts.json', () => {
  for (const vector of readJson('../vectors/facts.json')) {
    test(vector.name, () => {
      const picture = pictureOf(vector);
      assertMatches(Object.fromEntries(judged(picture).map((entry) => [entry.id, cel.factsOf(picture, entry)])), vector.expected);
      for (const check of vector.checks) {
        const spec = { id: 'check', message: '', thresholds: {}, values: {}, each: check.each, when: check.when };
        const found = cel.compileRule(spec, factsDoc)(picture).map((f) => f.event_ids[0]);
        assert.deepEqual(found, check.fires_on, check.when);
      }
    });
  }
});

test('the tablet computes exactly the facts the facts document declares, of the version it names', () => {
  assert.equal(FACTS_VERSION, factsDoc.version);
  for (const vector of ['facts.json', 'rules.json', 'timeline.json'].flatMap((name) => readJson(`../vectors/${name}`))) {
    const picture = pictureOf(vector);
    for (const entry of judged(picture)) {
      const facts = cel.factsOf(picture, entry), declared = cel.declared(factsDoc, entry.kind);
      assert.deepEqual(Object.keys(facts).sort(), Object.keys(declared).sort(), entry.kind);
      for (const [name, fact] of Object.entries(declared).filter(([, f]) => f.members)) {
        assert.deepEqual(Object.keys(facts[name]).sort(), Object.keys(fact.members).sort(), name);
      }
    }
  }
});
