// The entry forms as data: for each event kind, its fields (type, label, options, default), and
// `payloadFrom` that turns what the nurse entered into the event's payload (pure; the server's
// payload models in server/clinical/payloads.py, vitals.py and line_payloads.py are the contract).

import { fromLocalInput, parseNumber } from "./format.js";

const yes = (name, label, extra = {}) => ({ name, label, type: "yesno", required: true, ...extra });
const FINDINGS = [
  ["no_complications", "No complications noted"], ["redness", "Redness"], ["swelling", "Swelling"], ["pain", "Pain"],
  ["leaking", "Leaking"], ["infiltration", "Infiltration"], ["phlebitis", "Phlebitis"], ["bruising", "Bruising"],
  ["other", "Other"],
];
const findings = { name: "findings", label: "Site findings", type: "multi", required: true, options: FINDINGS, default: () => ["no_complications"] };
const note = { name: "note", label: "Note", type: "longtext" };
export const SYMPTOMS = ["chills", "fever", "headache", "flushing", "rash", "itching", "nausea", "back pain",
  "chest tightness", "shortness of breath", "wheezing", "dizziness"];
export const EDUCATION_TOPICS = ["signs of a reaction", "when to call", "line care", "hydration", "headache care", "next infusion"];

export const FORMS = {
  assessment: { title: "Pre-assessment", fields: [
    { name: "weight_kg", label: "Weight", unit: "kg", type: "number", required: true, default: (c) => c.order?.dosing_weight_kg },
    yes("kit_present", "Anaphylaxis kit present"), yes("kit_in_date", "Kit in date"), yes("kit_undamaged", "Kit undamaged"),
    { name: "hydration", label: "Hydration", type: "choice", required: true, options: [["adequate", "Adequate"], ["inadequate", "Inadequate"]] },
    yes("headache", "Headache"), yes("infection_signs", "Signs of infection or fever"),
    yes("thrombosis_risk", "Thrombosis risk", { default: (c) => c.patient?.thrombosis_risk }),
    yes("renal_risk", "Renal risk", { default: (c) => c.patient?.renal_risk }),
    yes("allergies_reviewed", "Allergies reviewed"),
    { name: "symptoms", label: "Symptoms (comma separated)", type: "list" },
  ] },
  "line.placed": { title: "Line placement", fields: [
    { name: "status", label: "Line", type: "choice", required: true, options: [["new", "New"], ["existing", "Existing"]] },
    { name: "type", label: "Type", type: "choice", required: true, options: [["peripheral", "Peripheral"], ["midline", "Midline"], ["picc", "PICC"], ["port", "Port"]] },
    { name: "gauge", label: "Gauge", unit: "G", type: "integer" },
    { name: "length_cm", label: "Length", unit: "cm", type: "number" },
    { name: "site", label: "Site", type: "text", required: true },
    { name: "side", label: "Side", type: "choice", options: [["left", "Left"], ["right", "Right"]] },
    { name: "attempts", label: "Attempts", type: "integer", showIf: (v) => v.status === "new" },
    { name: "inserted_by", label: "Inserted by", type: "text" },
    yes("blood_return", "Blood return"),
    { name: "flush_solution", label: "Flush solution", type: "text", required: true, default: () => "0.9% sodium chloride" },
    { name: "flush_volume_ml", label: "Flush volume", unit: "mL", type: "number", required: true, default: () => 10 },
    findings,
  ] },
  "line.assessed": { title: "Line check", fields: [
    { name: "phase", label: "When", type: "choice", required: true, options: [["start", "Start"], ["during", "During"], ["end", "End"]] },
    findings, { name: "blood_return", label: "Blood return", type: "yesno" }, note,
  ] },
  "product.opened": { title: "Product and lot", scan: true, fields: [
    { name: "product_id", label: "Product", type: "choice", required: true, options: (c) => c.products, default: (c) => c.order?.product_id },
    { name: "lot", label: "Lot", type: "text", required: true, autocapitalize: "characters" },
    { name: "expiry", label: "Expiry", type: "date", required: true },
    { name: "volume_ml", label: "Volume", unit: "mL", type: "number", required: true },
    yes("inspected_ok", "Visual inspection passed"),
    { name: "ndc", label: "NDC", type: "text" },
    { name: "inline_filter", label: "In-line filter", type: "yesno" },
  ] },
  "medication.given": { title: "Medication", fields: [
    { name: "drug", label: "Drug", type: "text", required: true },
    { name: "dose", label: "Dose", type: "number", required: true },
    { name: "unit", label: "Unit", type: "choice", required: true, options: ["mg", "mcg", "g", "mL", "unit"].map((u) => [u, u]) },
    { name: "route", label: "Route", type: "choice", required: true, options: ["PO", "IV", "IM", "SC", "SL", "inhaled", "topical"].map((r) => [r, r]) },
    { name: "purpose", label: "Purpose", type: "choice", required: true, options: [["premed", "Premedication"], ["prn", "PRN"], ["reaction", "For a reaction"]] },
  ] },
  "infusion.started": { title: "Start infusion", rate: true, fields: [
    { name: "rate_ml_h", label: "Rate", unit: "mL/h", type: "number", required: true, default: (c) => c.recommendedRate },
  ] },
  "infusion.rate_changed": { title: "Rate change", rate: true, fields: [
    { name: "rate_ml_h", label: "New rate", unit: "mL/h", type: "number", required: true, default: (c) => c.recommendedRate },
    { name: "reason", label: "Reason", type: "choice", default: () => "titration", options: [["titration", "Titration"], ["reaction", "Reaction"], ["new_lot", "New lot"], ["order", "Order"], ["patient_request", "Patient request"], ["other", "Other"]] },
    note,
  ] },
  vitals: { title: "Vital signs", fields: [
    { name: "hr", label: "Heart rate", unit: "/min", type: "number" },
    { name: "sbp", label: "Systolic BP", unit: "mmHg", type: "number" },
    { name: "dbp", label: "Diastolic BP", unit: "mmHg", type: "number" },
    { name: "temp_c", label: "Temperature", unit: "°C", type: "number" },
    { name: "rr", label: "Resp. rate", unit: "/min", type: "number" },
    { name: "spo2", label: "SpO2", unit: "%", type: "number" },
    { name: "pain", label: "Pain", unit: "/10", type: "integer" },
    { name: "position", label: "Position", type: "choice", options: [["sitting", "Sitting"], ["lying", "Lying"], ["standing", "Standing"]] },
  ] },
  "reaction.observed": { title: "Reaction", reaction: true, fields: [
    { name: "symptoms", label: "Symptoms", type: "multi", options: SYMPTOMS.map((s) => [s, s]) },
    { name: "other_symptoms", label: "Other symptoms (comma separated)", type: "list", extra: true },
    { name: "grade", label: "Grade (CTCAE)", type: "choice", required: true, numeric: true, options: [1, 2, 3, 4, 5].map((g) => [String(g), String(g)]) },
    { name: "actions", label: "Actions taken", type: "multi", options: [["slowed", "Slowed"], ["paused", "Paused"], ["stopped", "Stopped"], ["medication_given", "Medication given"], ["oxygen", "Oxygen"], ["epinephrine", "Epinephrine"], ["emergency_services", "Called 911"], ["observed", "Observed"]] },
    { name: "notified_who", label: "Notified", type: "multi", extra: true, options: [["prescriber", "Prescriber"], ["pharmacist", "Pharmacist"], ["emergency_services", "Emergency services"], ["supervisor", "Supervisor"], ["family", "Family"], ["other", "Other"]] },
    { name: "notified_at", label: "Notified at", type: "time", extra: true },
    { name: "outcome", label: "Outcome", type: "choice", required: true, options: [["resolved", "Resolved"], ["improving", "Improving"], ["ongoing", "Ongoing"], ["transferred", "Transferred"]] },
  ] },
  "infusion.paused": { title: "Pause infusion", fields: [
    { name: "reason", label: "Reason", type: "choice", required: true, options: [["reaction", "Reaction"], ["line_issue", "Line issue"], ["patient_request", "Patient request"], ["product_change", "Product change"], ["other", "Other"]] },
    note,
  ] },
  "infusion.resumed": { title: "Resume infusion", rate: true, fields: [
    { name: "rate_ml_h", label: "Rate", unit: "mL/h", type: "number", required: true, default: (c) => c.recommendedRate },
  ] },
  "infusion.stopped": { title: "Stop infusion", fields: [
    { name: "reason", label: "Reason", type: "choice", required: true, default: () => "completed", options: [["completed", "Completed"], ["reaction", "Reaction"], ["line_issue", "Line issue"], ["patient_request", "Patient request"], ["product_issue", "Product issue"], ["other", "Other"]] },
    { name: "pump_volume_ml", label: "Pump volume", unit: "mL", type: "number" },
    note,
  ] },
  "line.removed": { title: "Line removed", fields: [
    { name: "reason", label: "Reason", type: "choice", required: true, default: () => "therapy_complete", options: [["therapy_complete", "Therapy complete"], ["complication", "Complication"], ["dislodged", "Dislodged"], ["occluded", "Occluded"], ["other", "Other"]] },
    yes("tip_intact", "Catheter tip intact"), findings,
    { name: "dressing", label: "Dressing", type: "text", required: true, default: () => "gauze" }, note,
  ] },
  "line.left_in_place": { title: "Line left in place", fields: [
    { name: "dressing", label: "Dressing", type: "text", required: true }, yes("patient_instructed", "Patient instructed"), findings, note,
  ] },
  education: { title: "Education", fields: [
    { name: "topics", label: "Topics", type: "multi", required: true, options: EDUCATION_TOPICS.map((t) => [t, t]) },
    { name: "understanding", label: "Understanding", type: "choice", required: true, options: [["verbalized", "Verbalized"], ["demonstrated", "Demonstrated"], ["needs_reinforcement", "Needs reinforcement"], ["not_understood", "Not understood"]] },
    { name: "barriers", label: "Barriers", type: "longtext" },
  ] },
  note: { title: "Note", fields: [{ name: "text", label: "Note", type: "longtext", required: true }] },
  signature: { title: "Nurse signature", fields: [
    { name: "name", label: "Signed by", type: "text", required: true, default: (c) => c.userName },
    yes("confirm", "I confirm this record is complete and accurate", { extra: true }),
  ] },
  "visit.ended": { title: "End visit", fields: [{ name: "waste_disposed", label: "Waste disposed of", type: "yesno" }] },
};

/** Options of a field (they may depend on the visit, e.g. the products). */
export function optionsOf(field, context) {
  return typeof field.options === "function" ? field.options(context) || [] : field.options || [];
}

export function visibleFields(form, values) {
  return form.fields.filter((field) => !field.showIf || field.showIf(values));
}

function readValue(field, raw) {
  if (raw === undefined || raw === null || raw === "" || (Array.isArray(raw) && raw.length === 0)) return { empty: true };
  if (field.type === "number" || field.type === "integer") {
    const value = parseNumber(raw);
    if (value === null) return { empty: true };
    if (Number.isNaN(value)) return { problem: "Enter a number" };
    if (field.type === "integer" && !Number.isInteger(value)) return { problem: "Enter a whole number" };
    return { value };
  }
  if (field.type === "list") {
    const items = String(raw).split(",").map((s) => s.trim()).filter(Boolean);
    return items.length ? { value: items } : { empty: true };
  }
  if (field.type === "choice" && field.numeric) return { value: Number(raw) };
  if (field.type === "time") {
    const at = fromLocalInput(raw);
    return at ? { value: at } : { problem: "Enter a date and time" };
  }
  if (typeof raw === "string") return raw.trim() ? { value: raw.trim() } : { empty: true };
  return { value: raw };
}

/** `{payload, problems}` from entered values (strings, booleans, arrays), per the kind's form. */
export function payloadFrom(kind, values, extras = {}) {
  const form = FORMS[kind];
  const payload = {};
  const problems = [];
  const entered = {};
  for (const field of visibleFields(form, values)) {
    const read = readValue(field, values[field.name]);
    if (read.problem) problems.push({ field: field.name, message: `${field.label}: ${read.problem}` });
    else if (read.empty && field.required) problems.push({ field: field.name, message: `${field.label} is required` });
    else if (!read.empty) entered[field.name] = read.value;
  }
  for (const [name, value] of Object.entries(entered)) {
    if (!form.fields.find((f) => f.name === name).extra) payload[name] = value;
  }
  const finish = FINISH[kind];
  return finish ? finish(payload, entered, problems, extras) : { payload, problems };
}

const FINISH = {
  assessment: (payload, entered, problems) => ({ payload: { symptoms: [], ...payload }, problems }),
  "reaction.observed": (payload, entered, problems, extras) => {
    const symptoms = [...(payload.symptoms || []), ...(entered.other_symptoms || [])];
    if (symptoms.length === 0) problems.push({ field: "symptoms", message: "Symptoms: choose or type at least one" });
    const at = entered.notified_at || extras.occurredAt;
    const notified = (entered.notified_who || []).map((who) => ({ who, at }));
    return { payload: { actions: [], ...payload, symptoms, notified }, problems };
  },
  signature: (payload, entered, problems) => {
    if (entered.confirm !== true) problems.push({ field: "confirm", message: "Confirm the record before signing" });
    return { payload: { role: "nurse", name: payload.name, statement: `Electronically signed by ${payload.name}` }, problems };
  },
};

/** Form values (strings, booleans, arrays) from a saved payload: to amend or correct an entry. */
export function valuesFrom(kind, payload) {
  const values = {};
  for (const field of FORMS[kind]?.fields || []) {
    const value = payload[field.name];
    if (value === undefined || value === null) continue;
    if (field.type === "list") values[field.name] = value.join(", ");
    else if (field.type === "number" || field.type === "integer" || (field.type === "choice" && field.numeric)) values[field.name] = String(value);
    else values[field.name] = value;
  }
  if (kind === "reaction.observed") {
    const known = new Set(SYMPTOMS);
    values.symptoms = (payload.symptoms || []).filter((s) => known.has(s));
    values.other_symptoms = (payload.symptoms || []).filter((s) => !known.has(s)).join(", ");
    values.notified_who = (payload.notified || []).map((n) => n.who);
  }
  if (kind === "signature") values.confirm = false;
  return values;
}
