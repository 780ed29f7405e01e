// foldTimeline beyond the shared vectors: order independence, unsynced entries, `now` in its three
// forms, invalid and legacy events, corrections that cannot apply, and the guards on bad input.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import { foldTimeline, loadCatalog, loadExpressionLanguage, loadRulebook, makeContext } from '../../pwa/rules.js';

const cel = await loadExpressionLanguage();
const readJson = (path) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const catalog = loadCatalog(readJson('../../server/clinical/data/products.json'));
const rulebook = loadRulebook(readJson('../../server/clinical/data/rules.json'), cel, readJson('../../server/clinical/data/facts.json'));
const ranges = readJson('../../server/clinical/data/ranges.json');
const tolerated = readJson('../vectors/timeline.json')[0];  // the tolerated Gammagard PI visit
const context = makeContext(tolerated.context, { catalog, rulebook, ranges });

let counter = 0;
function event(kind, minute, payload, extra = {}) {
  counter += 1;
  const at = new Date(Date.UTC(2025, 2, 4, 9, 0) + minute * 60000).toISOString().replace('.000Z', 'Z');
  return {
    id: `t-${String(counter).padStart(3, '0')}`, visit_id: 'visit-1', device_id: 'tablet-ana', device_seq: counter,
    kind, schema: 1, occurred_at: at, recorded_at: at, server_seq: counter, author_id: 'nurse-ana', payload, ...extra,
  };
}

const fold = (events, now = null, ctx = context) => foldTimeline(events, ctx, { now });

describe('the fold', () => {
  test('the same events in any order fold to the same state', () => {
    const forward = fold(tolerated.events, tolerated.now);
    const shuffled = [...tolerated.events].reverse();
    [shuffled[3], shuffled[10]] = [shuffled[10], shuffled[3]];
    assert.deepEqual(fold(shuffled, tolerated.now), forward);
  });

  test('the state is plain JSON: it survives a round trip unchanged', () => {
    const state = fold(tolerated.events, tolerated.now);
    assert.deepEqual(JSON.parse(JSON.stringify(state)), state);
  });

  test('the events passed in are not changed', () => {
    const events = structuredClone(tolerated.events);
    fold(events, tolerated.now);
    assert.deepEqual(events, tolerated.events);
  });

  test('no events: a scheduled visit whose next step is the start rate', () => {
    const state = fold([]);
    assert.equal(state.status, 'scheduled');
    assert.equal(state.visit_id, null);
    assert.equal(state.infusion.status, 'not_started');
    assert.deepEqual(state.infusion.next_rate,
      { action: 'start', rate_ml_h: 35, step_index: 0, limit_ml_h: 350, due_at: null, held_by: null });
  });

  test('now may be a Date, UTC milliseconds or an ISO string with an offset', () => {
    const events = [event('infusion.started', 50, { rate_ml_h: 35 })];
    const expected = fold(events, '2025-03-04T10:14:00Z');
    assert.equal(expected.infusion.volume_infused_ml, 14);
    assert.deepEqual(fold(events, new Date('2025-03-04T10:14:00Z')), expected);
    assert.deepEqual(fold(events, Date.UTC(2025, 2, 4, 10, 14)), expected);
    assert.deepEqual(fold(events, '2025-03-04T05:14:00-05:00'), expected);
    assert.throws(() => fold(events, '2025-03-04T10:14:00'), /no UTC offset/);
  });

  test('times with an offset come out in UTC, with milliseconds only when there are some', () => {
    const started = event('visit.started', 0, { patient_id: 'patient-pat', location: null },
      { occurred_at: '2025-03-04T04:00:00.250-05:00' });
    const state = fold([started]);
    assert.equal(state.time_in, '2025-03-04T09:00:00.250Z');
    assert.equal(state.location_verified, false);
  });
});

describe('entries that are not what they should be', () => {
  test('an impossible value is listed as invalid, with the server words, and kept out of the picture', () => {
    const bad = event('vitals', 5, { temp_c: 53 });
    const state = fold([bad]);
    assert.deepEqual(state.invalid, [{ event_id: bad.id, kind: 'vitals', code: 'invalid_payload',
      problems: [{ field: 'temp_c', message: 'Temperature 53 °C is outside 32–43 °C', code: 'out_of_range' }] }]);
    assert.deepEqual(state.vitals, []);
  });

  test('an entry from a newer app is kept as invalid until the tablet is updated', () => {
    const newer = event('note', 5, { text: 'hi' }, { schema: 2 });
    assert.equal(fold([newer]).invalid[0].code, 'newer_schema');
  });

  test('legacy vitals in Fahrenheit (schema 0) are read in Celsius, rounded half up to 0.1', () => {
    const legacy = event('vitals', 5, { temp_f: 100.4 }, { schema: 0 });
    const [row] = fold([legacy]).vitals;
    assert.equal(row.temp_c, 38);
    assert.equal(row.hr, null);
  });

  test('text is stripped and every field of the payload is present', () => {
    const given = { drug: ' cetirizine ', dose: 10, unit: 'mg', route: 'PO', purpose: 'prn' };
    const [row] = fold([event('medication.given', 10, given)]).medications;
    assert.equal(row.drug, 'cetirizine');
    assert.equal(row.lead_min, null);
  });

  test('a signature cannot be amended and a correction must point into the visit', () => {
    const signature = event('signature', 60, { role: 'nurse', name: 'Ana', statement: 'signed' });
    const renamed = { role: 'nurse', name: 'Ana B', statement: 's' };
    const amend = event('entry.amended', 61, { target_id: signature.id, payload: renamed, reason: 'typo' });
    const stray = event('entry.voided', 62, { target_id: 'elsewhere', reason: 'x' });
    const state = fold([signature, amend, stray]);
    assert.deepEqual(state.issues.map((i) => [i.event_id, i.code]),
      [[amend.id, 'not_correctable'], [stray.id, 'unknown_target']]);
    assert.equal(state.signatures[0].name, 'Ana');
    assert.equal(state.status, 'signed');
  });

  test('a rate change without a running pump is reported and changes nothing', () => {
    const change = event('infusion.rate_changed', 20, { rate_ml_h: 70 });
    const state = fold([change]);
    assert.deepEqual(state.issues, [{ event_id: change.id, field: '',
      message: 'There is no running infusion at this time to change, pause or stop', code: 'no_running_infusion' }]);
    assert.deepEqual(state.segments, []);
  });

  test('an entry not yet synced (server_seq null) after the review reopens the visit', () => {
    const events = [
      event('visit.started', 0, { patient_id: 'patient-pat' }), event('visit.ended', 60, {}),
      event('review.signed', 200, { note: null }), event('note', 300, { text: 'Addendum.' }, { server_seq: null }),
    ];
    const state = fold(events);
    assert.equal(state.status, 'reopened');
    assert.deepEqual(state.late_after_review, [events[3].id]);
  });

  test('two events with one id, or events of two visits, are refused', () => {
    const note = event('note', 5, { text: 'a' });
    assert.throws(() => fold([note, { ...note }]), /duplicate event ids/);
    assert.throws(() => fold([note, event('note', 6, { text: 'b' }, { visit_id: 'visit-2' })]), /more than one visit/);
    assert.throws(() => fold([{ ...note, occurred_at: '2025-03-04T09:05:00' }]), /no UTC offset/);
  });
});

describe('makeContext', () => {
  const order = { product_id: 'gammagard-liquid-10', dosing_weight_kg: 70 };

  test('an order resolves by protocol id, by indication or by explicit steps', () => {
    const data = { catalog, rulebook };
    const byIndication = makeContext({ order: { ...order, indication: 'CIDP' } }, data).protocol;
    assert.equal(byIndication.id, 'gammagard-liquid-10-mmn-cidp');
    const steps = makeContext({ order: { ...order, steps_ml_h: [30, 60, 90], step_min: 15 } }, data).protocol;
    assert.deepEqual([steps.kind, steps.basis, steps.ladder, steps.first_step_min], ['fixed_steps', 'order', [30, 60, 90], 15]);
  });

  test('an order that does not resolve, or has unknown fields, is refused', () => {
    const refused = (change, pattern) => assert.throws(
      () => makeContext({ order: { ...order, ...change } }, { catalog, rulebook }), pattern);
    refused({}, /protocol_id, indication or explicit steps_ml_h/);
    refused({ protocol_id: 'privigen-10-pi-cidp' }, /is not for product/);
    refused({ indication: 'PI', dose_mg: 5 }, /unexpected field/);
    refused({ steps_ml_h: [30, 20], step_min: 15 }, /strictly increasing/);
    refused({ indication: 'PI', vitals_schedule: { grace_min: -1 } }, /grace_min/);
    assert.throws(() => makeContext({ order: { ...order, indication: 'PI' } }, { catalog }), /loadRulebook/);
  });

  test("the order's vitals schedule overrides the organization's", () => {
    const changed = { ...order, indication: 'PI', vitals_schedule: { titrating_every_min: 10 } };
    const ctx = makeContext({ order: changed }, { catalog, rulebook });
    assert.equal(ctx.vitals_schedule.titrating_every_min, 10);
    assert.equal(ctx.vitals_schedule.at_max_every_min, rulebook.vitals_schedule.at_max_every_min);
  });
});
