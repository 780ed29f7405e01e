// The payload of each event kind at its current schema (port of server/clinical/payloads.py, vitals.py
// and line_payloads.py): fields in declaration order, their types, and the checks that involve more
// than one field of a payload. Units are in field names. A field is required unless its type is wrapped
// in nullable() or withDefault().

import {
  awareDatetimeType, boolType, countType, dateType, dictType, listType, literalType, nullable, numberType, recordType,
  textType, withDefault,
} from './payload_types.js';
import { problem } from './problems.js';
import { formatNumber } from './rounding.js';

const ID = textType({ min: 1, max: 64 });
const NAME = textType({ min: 1, max: 100 });
const SHORT_TEXT = textType({ min: 1, max: 200 });
const TEXT = textType({ min: 1, max: 2000 });
const NOTE = nullable(TEXT); // optional free text
const ORDER = nullable(ID); // a pump event's order: none, the visit's primary order
const LOT = textType({ min: 1, max: 40 });
const NDC = textType({ strip: false, pattern: /^(\d{4,5}-\d{3,4}-\d{1,2}|\d{10,11})$/ });
const NUMBER = numberType();
const COUNT = countType();
const BOOL = boolType();
const SITE_FINDINGS = listType(literalType('no_complications', 'redness', 'swelling', 'pain', 'leaking',
  'infiltration', 'phlebitis', 'bruising', 'other'), { min: 1, max: 9 });

export const MEASUREMENTS = ['hr', 'rr', 'sbp', 'dbp', 'temp_c', 'spo2', 'pain'];

const LOCATION = recordType('Location', { lat: NUMBER, lon: NUMBER, accuracy_m: NUMBER });
const NOTIFICATION = recordType('Notification', {
  who: literalType('prescriber', 'pharmacist', 'emergency_services', 'supervisor', 'family', 'other'),
  name: nullable(NAME),
  at: awareDatetimeType(),
});

const FIELDS = {
  'visit.started': { patient_id: ID, order_id: nullable(ID), location: nullable(LOCATION) },
  'visit.ended': { waste_disposed: nullable(BOOL) },
  assessment: {
    weight_kg: NUMBER, kit_present: BOOL, kit_in_date: BOOL, kit_undamaged: BOOL,
    symptoms: withDefault(listType(SHORT_TEXT, { max: 20 }), []), hydration: literalType('adequate', 'inadequate'),
    headache: BOOL, infection_signs: BOOL, thrombosis_risk: BOOL, renal_risk: BOOL, allergies_reviewed: BOOL,
  },
  vitals: {
    ...Object.fromEntries(MEASUREMENTS.map((name) => [name, nullable(name === 'pain' ? COUNT : NUMBER)])),
    position: nullable(literalType('sitting', 'lying', 'standing')),
  },
  'medication.given': {
    drug: SHORT_TEXT, dose: NUMBER, unit: literalType('mg', 'mcg', 'g', 'mL', 'unit'),
    route: literalType('PO', 'IV', 'IM', 'SC', 'SL', 'inhaled', 'topical'),
    purpose: literalType('premed', 'prn', 'reaction'),
  },
  'product.opened': {
    product_id: ID, lot: LOT, expiry: dateType(), volume_ml: NUMBER,
    inspected_ok: BOOL, ndc: nullable(NDC), inline_filter: nullable(BOOL),
  },
  'infusion.started': { rate_ml_h: NUMBER, override_reason: NOTE, order_id: ORDER },
  'infusion.rate_changed': {
    rate_ml_h: NUMBER,
    reason: nullable(literalType('titration', 'reaction', 'new_lot', 'order', 'patient_request', 'other')),
    note: NOTE, order_id: ORDER,
  },
  'infusion.paused': {
    reason: literalType('reaction', 'line_issue', 'patient_request', 'product_change', 'other'),
    note: NOTE, order_id: ORDER,
  },
  'infusion.resumed': { rate_ml_h: NUMBER, order_id: ORDER },
  'infusion.stopped': {
    reason: literalType('completed', 'reaction', 'line_issue', 'patient_request', 'product_issue', 'other'),
    pump_volume_ml: nullable(NUMBER), note: NOTE, order_id: ORDER,
  },
  'line.placed': {
    status: literalType('new', 'existing'),
    type: literalType('peripheral', 'midline', 'picc', 'port'),
    gauge: nullable(COUNT), length_cm: nullable(NUMBER), site: SHORT_TEXT,
    side: nullable(literalType('left', 'right')), attempts: nullable(COUNT), inserted_by: nullable(NAME),
    blood_return: BOOL, flush_solution: SHORT_TEXT, flush_volume_ml: NUMBER, findings: SITE_FINDINGS,
  },
  'line.assessed': {
    phase: literalType('start', 'during', 'end'), findings: SITE_FINDINGS,
    blood_return: nullable(BOOL), note: NOTE,
  },
  'line.removed': {
    reason: literalType('therapy_complete', 'complication', 'dislodged', 'occluded', 'other'),
    tip_intact: BOOL, findings: SITE_FINDINGS, dressing: SHORT_TEXT, note: NOTE,
  },
  'line.left_in_place': {
    dressing: SHORT_TEXT, patient_instructed: BOOL, findings: SITE_FINDINGS, note: NOTE,
  },
  'reaction.observed': {
    symptoms: listType(SHORT_TEXT, { min: 1, max: 20 }), grade: COUNT,
    actions: listType(literalType('slowed', 'paused', 'stopped', 'medication_given', 'oxygen',
      'epinephrine', 'emergency_services', 'observed'), { max: 8 }),
    notified: withDefault(listType(NOTIFICATION, { max: 10 }), []),
    outcome: literalType('resolved', 'improving', 'ongoing', 'transferred'),
  },
  education: {
    topics: listType(SHORT_TEXT, { min: 1, max: 20 }),
    understanding: literalType('verbalized', 'demonstrated', 'needs_reinforcement', 'not_understood'),
    barriers: NOTE,
  },
  note: { text: TEXT },
  signature: { role: literalType('nurse', 'patient', 'caregiver'), name: NAME, statement: TEXT },
  'review.signed': { note: NOTE },
  'review.intervention': {
    kind: literalType('next_rate', 'premed_change', 'product_switch', 'prescriber_contacted', 'other'),
    text: TEXT, next_rate_ml_h: nullable(NUMBER),
  },
  'entry.amended': {
    target_id: ID, payload: dictType(), payload_schema: withDefault(COUNT, 1), reason: TEXT,
  },
  'entry.voided': { target_id: ID, reason: TEXT },
};

export const PAYLOAD_TYPES = Object.fromEntries(
  Object.entries(FIELDS).map(([kind, fields]) => [kind, recordType(kind, fields)]),
);

function vitalsProblems(p) {
  if (MEASUREMENTS.every((name) => p[name] == null)) {
    return [problem('', 'Vital signs need at least one measurement', 'no_measurement')];
  }
  const hasSbp = p.sbp != null;
  const hasDbp = p.dbp != null;
  if (hasSbp !== hasDbp) {
    return [problem(hasDbp ? 'sbp' : 'dbp', 'Blood pressure needs both systolic and diastolic', 'bp_incomplete')];
  }
  if (hasSbp && p.dbp >= p.sbp) {
    const [dbp, sbp] = [formatNumber(p.dbp, 3), formatNumber(p.sbp, 3)];
    const message = `Diastolic BP ${dbp} mmHg must be below systolic BP ${sbp} mmHg`;
    return [problem('dbp', message, 'dbp_not_below_sbp')];
  }
  return [];
}

function findingsProblems(p) {
  const findings = Array.isArray(p.findings) ? p.findings : [];
  if (findings.includes('no_complications') && findings.length > 1) {
    const message = "Site findings: 'no complications' cannot be combined with a complication";
    return [problem('findings', message, 'conflicting_findings')];
  }
  return [];
}

function linePlacedProblems(p) {
  const problems = findingsProblems(p);
  if (p.status === 'new' && p.attempts == null) {
    problems.push(problem('attempts', 'Insertion attempts are required for a new line', 'required_for_new_line'));
  }
  return problems;
}

function interventionProblems(p) {
  const hasRate = p.next_rate_ml_h != null;
  if (p.kind === 'next_rate' && !hasRate) {
    const message = 'Next infusion rate is required for a next-rate intervention';
    return [problem('next_rate_ml_h', message, 'next_rate_mismatch')];
  }
  if (p.kind !== 'next_rate' && hasRate) {
    const message = 'Next infusion rate belongs only to a next-rate intervention';
    return [problem('next_rate_ml_h', message, 'next_rate_mismatch')];
  }
  return [];
}

// Problems that involve more than one field of a payload, by kind (none for the other kinds).
export const CROSS_CHECKS = {
  vitals: vitalsProblems,
  'line.placed': linePlacedProblems,
  'line.assessed': findingsProblems,
  'line.removed': findingsProblems,
  'line.left_in_place': findingsProblems,
  'review.intervention': interventionProblems,
};
