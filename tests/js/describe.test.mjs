// The timeline's one line per entry (pwa/describe.js), where walks found words missing.
import { test, describe as suite } from 'node:test';
import assert from 'node:assert/strict';

import { describe } from '../../pwa/describe.js';

const ASSESSMENT = { weight_kg: 70, kit_present: true, kit_in_date: true, kit_undamaged: true, symptoms: [], hydration: 'adequate',
  headache: false, infection_signs: false, thrombosis_risk: false, renal_risk: false, allergies_reviewed: true, identity: ['name', 'birth_date'] };

suite('the timeline line of an entry', () => {
  test("a pharmacist's next rate says its rate, as the desk does", () => {
    const { text } = describe('review.intervention', { kind: 'next_rate', text: 'Next infusion: hold at this rate', next_rate_ml_h: 140 });
    assert.equal(text, 'next rate 140 mL/h: Next infusion: hold at this rate');
    assert.equal(describe('review.intervention', { kind: 'other', text: 'Called the patient', next_rate_ml_h: null }).text, 'other: Called the patient');
  });

  test('a pre-assessment names what its screen found, or that it was clear', () => {
    assert.match(describe('assessment', ASSESSMENT).text, / · screen clear$/);
    const found = describe('assessment', { ...ASSESSMENT, hydration: 'inadequate', infection_signs: true, renal_risk: true, allergies_reviewed: false,
      symptoms: ['productive cough'] }).text;
    assert.match(found, / · hydration INADEQUATE, SIGNS OF INFECTION\/FEVER, renal risk, allergies NOT reviewed, symptoms: productive cough$/);
  });
});
