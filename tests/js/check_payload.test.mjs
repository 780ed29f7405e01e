// checkPayload: the tablet refuses an impossible number before an entry is saved, with the server's
// texts and codes (each expected message below is what server/clinical/validate_event says).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import { checkPayload, loadRanges } from '../../pwa/rules.js';

const ranges = JSON.parse(readFileSync(new URL('../../server/clinical/data/ranges.json', import.meta.url), 'utf8'));
const check = (kind, payload) => checkPayload(kind, payload, ranges);
const problem = (field, message, code) => ({ field, message, code });

describe('plausible ranges', () => {
  test('a ranges document the shape refuses names each field as the server does', () => {
    const broken = structuredClone(ranges);
    Object.assign(broken.fields.hr, { min: '20', colour: 'red' });
    delete broken.fields.rr.label;
    assert.throws(() => loadRanges(broken), { message: 'ranges.fields.hr: unknown field(s) colour; '
      + 'ranges.fields.hr.min: must be a number; ranges.fields.rr.label: is required' });  // tests/clinical/test_events.py
  });

  test('a temperature of 53 °C is refused with the range in words', () => {
    assert.deepEqual(check('vitals', { temp_c: 53 }),
      [problem('temp_c', 'Temperature 53 °C is outside 32–43 °C', 'out_of_range')]);
  });

  test('every number outside its range is listed, in field order', () => {
    assert.deepEqual(check('vitals', { spo2: 40, hr: 300 }), [
      problem('hr', 'Heart rate 300/min is outside 20–250/min', 'out_of_range'),
      problem('spo2', 'SpO2 40% is outside 50–100%', 'out_of_range'),
    ]);
  });

  test('values within their ranges pass, bounds included', () => {
    assert.deepEqual(check('vitals', { hr: 20, rr: 60, sbp: 260, dbp: 20, temp_c: 43, spo2: 100, pain: 0 }), []);
  });

  test('the value is shown rounded half up to 0.001, as the server shows it', () => {
    assert.deepEqual(check('vitals', { temp_c: 43.0001 }),
      [problem('temp_c', 'Temperature 43 °C is outside 32–43 °C', 'out_of_range')]);
  });

  test('an exclusive bound is worded "more than ... and at most ..."', () => {
    assert.deepEqual(check('infusion.started', { rate_ml_h: 0 }),
      [problem('rate_ml_h', 'Rate 0 mL/h must be more than 0 mL/h and at most 999 mL/h', 'out_of_range')]);
    assert.deepEqual(check('infusion.rate_changed', { rate_ml_h: 1200.5 }),
      [problem('rate_ml_h', 'Rate 1200.5 mL/h must be more than 0 mL/h and at most 999 mL/h', 'out_of_range')]);
    assert.deepEqual(check('medication.given', { dose: -1 }),
      [problem('dose', 'Dose -1 must be more than 0 and at most 10000', 'out_of_range')]);
  });

  test('numbers of other kinds are checked too: weight, grade, gauge, pump volume, location', () => {
    const outside = (field, message) => [problem(field, message, 'out_of_range')];
    assert.deepEqual(check('assessment', { weight_kg: 350 }), outside('weight_kg', 'Weight 350 kg is outside 1–300 kg'));
    assert.deepEqual(check('reaction.observed', { grade: 6 }),
      outside('grade', 'Reaction grade 6 is outside 1–5'));
    assert.deepEqual(check('line.placed', { gauge: 30 }), outside('gauge', 'Gauge 30 G is outside 14–28 G'));
    assert.deepEqual(check('infusion.stopped', { reason: 'completed', pump_volume_ml: -0.5 }),
      [problem('pump_volume_ml', 'Pump volume -0.5 mL is outside 0–5000 mL', 'out_of_range')]);
    assert.deepEqual(check('visit.started', { patient_id: 'p', location: { lat: 100, lon: 0, accuracy_m: 5 } }),
      [problem('location.lat', 'Latitude 100° is outside -90–90°', 'out_of_range')]);
  });

  test('a number field holding something else is named; empty fields are not entered yet', () => {
    assert.deepEqual(check('vitals', { hr: 'abc' }), [problem('hr', 'Heart rate must be a number', 'wrong_type')]);
    assert.deepEqual(check('vitals', { pain: 2.5 }),
      [problem('pain', 'Pain score must be a whole number', 'wrong_type')]);
    assert.deepEqual(check('medication.given', { drug: 'x', dose: null }), []);
    assert.deepEqual(check('assessment', {}), []);
  });

  test("an organization's own ranges apply, as the document or as loaded", () => {
    const strict = { fields: { ...ranges.fields, hr: { label: 'Heart rate', unit: '/min', min: 30, max: 200 } } };
    const refused = [problem('hr', 'Heart rate 210/min is outside 30–200/min', 'out_of_range')];
    assert.deepEqual(checkPayload('vitals', { hr: 210 }, strict), refused);
    assert.deepEqual(checkPayload('vitals', { hr: 210 }, loadRanges(strict)), refused);
  });
});

describe('checks within one payload', () => {
  test('diastolic must be below systolic', () => {
    assert.deepEqual(check('vitals', { sbp: 100, dbp: 120 }),
      [problem('dbp', 'Diastolic BP 120 mmHg must be below systolic BP 100 mmHg', 'dbp_not_below_sbp')]);
    assert.deepEqual(check('vitals', { sbp: 100, dbp: 100 }),
      [problem('dbp', 'Diastolic BP 100 mmHg must be below systolic BP 100 mmHg', 'dbp_not_below_sbp')]);
  });

  test('a set of vital signs needs at least one measurement, and both halves of a blood pressure', () => {
    assert.deepEqual(check('vitals', { position: 'sitting' }),
      [problem('', 'Vital signs need at least one measurement', 'no_measurement')]);
    assert.deepEqual(check('vitals', { sbp: 120 }),
      [problem('dbp', 'Blood pressure needs both systolic and diastolic', 'bp_incomplete')]);
    assert.deepEqual(check('vitals', { dbp: 80, sbp: null }),
      [problem('sbp', 'Blood pressure needs both systolic and diastolic', 'bp_incomplete')]);
  });

  test('range problems come first: the cross checks wait until the numbers are plausible', () => {
    assert.deepEqual(check('vitals', { sbp: 100, dbp: 100, hr: 19 }),
      [problem('hr', 'Heart rate 19/min is outside 20–250/min', 'out_of_range')]);
  });

  test('line findings, insertion attempts and the next-rate intervention', () => {
    assert.deepEqual(check('line.placed', { status: 'new', findings: ['no_complications', 'redness'] }), [
      problem('findings', "Site findings: 'no complications' cannot be combined with a complication",
        'conflicting_findings'),
      problem('attempts', 'Insertion attempts are required for a new line', 'required_for_new_line'),
    ]);
    assert.deepEqual(check('line.removed', { findings: ['redness', 'swelling'] }), []);
    assert.deepEqual(check('review.intervention', { kind: 'next_rate', text: 't' }),
      [problem('next_rate_ml_h', 'Next infusion rate is required for a next-rate intervention', 'next_rate_mismatch')]);
    assert.deepEqual(check('review.intervention', { kind: 'other', text: 't', next_rate_ml_h: 5 }),
      [problem('next_rate_ml_h', 'Next infusion rate belongs only to a next-rate intervention', 'next_rate_mismatch')]);
  });

  test('an unknown kind or a payload that is not an object is named', () => {
    assert.deepEqual(check('vitals.taken', {}), [problem('kind', "Unknown entry type 'vitals.taken'", 'unknown_kind')]);
    assert.deepEqual(check('vitals', [72]), [problem('', "The entry's content must be an object", 'wrong_type')]);
  });
});
