// The entry forms as data: for each event kind, its fields (type, label, options, default), and
// `payloadFrom` that turns what the nurse entered into the event's payload (pure; the server's
// payload declarations in server/clinical/data/payloads.json are the contract).
// Loaded with the form builder on the first tap (precached: offline too), outside the cold-start shell.

import { TITLES } from "../form_titles.js";
import { clock, fromLocalInput, parseNumber } from "../format.js";

// Choices as [value, label]: "a|b_c" gives [["a", "A"], ["b_c", "B c"]]; "v:Label" names one itself.
// A field's `options` is such a spec, a list of [value, label], or a function of the visit.
const options = (spec) => spec.split("|").map((item) => {
  const [value, label] = item.split(":");
  return [value, label ?? value[0].toUpperCase() + value.slice(1).replace(/_/g, " ")];
});
const asIs = (values) => values.map((value) => [value, value]);
const field = (type) => (name, label, extra = {}) => ({ name, label, type, ...extra });
const [number, integer, text, choice, multi] = ["number", "integer", "text", "choice", "multi"].map(field);
const required = { required: true };
// A required choice: `pick("side", "Side", "left|right")`; `extra` adds a default or other flags.
const pick = (name, label, options, extra = {}) => choice(name, label, { ...required, options, ...extra });
const yes = (name, label, extra = {}) => ({ name, label, type: "yesno", required: true, ...extra });
// not preset: a site assessment is what she saw, never a default (a walk could save "no complications" unseen)
const findings = { name: "findings", label: "Site findings", type: "multi", required: true,
  options: "no_complications:No complications noted|redness|swelling|pain|leaking|infiltration|phlebitis|bruising|other" };
const note = { name: "note", label: "Note", type: "longtext" };
const rate = (label) => number("rate_ml_h", label, { unit: "mL/h", ...required, default: (c) => c.recommendedRate });
// A correction leaves "Notified at" empty to keep each time recorded: it says which (a walk read the empty
// box as the times lost).
// Left empty, the time said is the entry's own: the form says so (a walk read a time on the summary it never typed).
const notifiedHint = (values) => {
  const kept = Object.entries(values.notified_times || {});
  return kept.length ? `Recorded: ${kept.map(([who, at]) => `${who.replace(/_/g, " ")} ${clock(at)}`).join(", ")}. `
    + "Leave it empty to keep these times; a time entered here applies to everyone listed."
    : "Left empty, this entry's time is recorded as when they were told.";
};
// a volume order (hydration) is not dosed by weight: no such hint (a walk)
const dosingHint = (c) => (c.order?.dosing_weight_kg && c.order.volume_ml == null ? `Weigh the patient: the order doses for ${c.order.dosing_weight_kg} kg.` : null);
const riskHint = (c, name) => (c.patient && typeof c.patient[name] === "boolean"
  ? `The pharmacy's record: ${c.patient[name] ? "at risk" : "not flagged"}. Ask and answer for today.` : null);
const SYMPTOMS = ["chills", "fever", "headache", "flushing", "rash", "itching", "nausea", "back pain",
  "chest tightness", "shortness of breath", "wheezing", "dizziness"];
const EDUCATION_TOPICS = ["signs of a reaction", "when to call", "line care", "hydration", "headache care", "next infusion"];

// Per kind: its fields, and flags (rate: the recommended rate on top; scan: the barcode reader; reaction:
// the suggested actions); its title comes from form_titles.js, which the first screen reads.
// A weight far from the order's that is the order's in pounds: said with the kilograms it would be (a walk's
// 128 for a patient of 58 kg saved in one tap).
const KG_PER_LB = 0.45359237;
const poundsNote = (values, context) => {
  const typed = Number(values.weight_kg);
  const dosing = context.order?.dosing_weight_kg;
  if (!typed || !dosing || Math.abs(typed * KG_PER_LB - dosing) > dosing * 0.1) return null;
  return `${typed} lb would be ${Math.round(typed * KG_PER_LB * 10) / 10} kg: type the weight in kilograms.`;
};

// `confirms`: the form asks "Save anyway" over the alerts it would raise (true: any; a list: those rules'),
// `confirmNote(values, context)` adding a line to the question.
export const FORMS = {
  assessment: { confirms: ["weight_change"], confirmNote: poundsNote, fields: [
    // asked of the patient, never prefilled: two identifiers before a blood product (NPSG.01.01.01)
    multi("identity", "Identity confirmed by (at least two)", {
      options: "name:Full name|birth_date:Date of birth|mrn:MRN|photo_id:Photo ID|address:Address" }),
    // weighed today, never prefilled: the weight_change alert compares it with the order's dosing weight
    number("weight_kg", "Weight", { unit: "kg", ...required, hint: (v, c) => dosingHint(c) }),
    yes("kit_present", "Anaphylaxis kit present"), yes("kit_in_date", "Kit in date"), yes("kit_undamaged", "Kit undamaged"),
    pick("hydration", "Hydration", "adequate|inadequate"),
    yes("headache", "Headache"), yes("infection_signs", "Signs of infection or fever"),
    // screened at the bedside, never pre-answered: the pharmacy's record is said beside the question
    yes("thrombosis_risk", "Thrombosis risk", { hint: (v, c) => riskHint(c, "thrombosis_risk") }),
    yes("renal_risk", "Renal risk", { hint: (v, c) => riskHint(c, "renal_risk") }),
    yes("allergies_reviewed", "Allergies reviewed"),
    field("list")("symptoms", "Symptoms (comma separated)"),
  ] },
  "line.placed": { fields: [
    pick("status", "Line", "new|existing"),
    pick("type", "Type", "peripheral|midline|picc:PICC|port"),
    integer("gauge", "Gauge", { unit: "G" }),
    number("length_cm", "Length", { unit: "cm" }),
    text("site", "Site", required),
    choice("side", "Side", { options: "left|right" }),
    integer("attempts", "Attempts", { showIf: (v) => v.status === "new" }),
    text("inserted_by", "Inserted by"),
    yes("blood_return", "Blood return"),
    text("flush_solution", "Flush solution", { ...required, default: () => "0.9% sodium chloride" }),
    number("flush_volume_ml", "Flush volume", { unit: "mL", ...required, default: () => 10 }),
    findings,
  ] },
  "line.assessed": { fields: [
    pick("phase", "Check at", "start|during|end"),  // not "When": the form has a time of that name
    findings, field("yesno")("blood_return", "Blood return"), note,
  ] },
  "product.opened": { scan: true, fields: [
    // a visit of one order opens its product; of several (a pre-hydration's bag and the IVIG), she picks which
    pick("product_id", "Product", (c) => c.products, { default: (c) => (c.others?.length ? undefined : c.order?.product_id) }),
    text("lot", "Lot", { ...required, autocapitalize: "characters" }),
    field("date")("expiry", "Expiry", required),
    number("volume_ml", "Volume", { unit: "mL", ...required }),
    yes("inspected_ok", "Visual inspection passed"),
    text("ndc", "NDC"),
    field("yesno")("inline_filter", "In-line filter"),
  ] },
  // a dose ten times the order's, another route, a drug the order does not list: asked before saving (a walk's
  // diphenhydramine 250 mg for the order's 25 saved in one tap)
  "medication.given": { confirms: true, fields: [
    text("drug", "Drug", required),
    number("dose", "Dose", required),
    pick("unit", "Unit", asIs(["mg", "mcg", "g", "mL", "unit"])),
    pick("route", "Route", asIs(["PO", "IV", "IM", "SC", "SL", "inhaled", "topical"])),
    pick("purpose", "Purpose", "premed:Premedication|prn:PRN|reaction:For a reaction"),
  ] },
  "infusion.started": { rate: true, fields: [rate("Rate"),
    text("override_reason", "Override reason", { ...required, showIf: (v) => v.override })] },
  "infusion.rate_changed": { rate: true, fields: [
    rate("New rate"),
    // preset after a reaction, and to a step of a titration; a bag at its order's rate: she says why (a walk)
    choice("reason", "Reason", { ...required, default: (c) => (c.reaction ? "reaction" : c.titrates ? "titration" : undefined),
      options: "titration|reaction|new_lot|order|patient_request|other" }),
    note,
  ] },
  vitals: { fields: [
    number("hr", "Heart rate", { unit: "/min" }),
    number("sbp", "Systolic BP", { unit: "mmHg" }),
    number("dbp", "Diastolic BP", { unit: "mmHg" }),
    number("temp_c", "Temperature", { unit: "°C" }),
    number("rr", "Resp. rate", { unit: "/min" }),
    number("spo2", "SpO2", { unit: "%" }),
    integer("pain", "Pain", { unit: "/10" }),
    choice("position", "Position", { options: "sitting|lying|standing" }),
  ] },
  "reaction.observed": { reaction: true, fields: [
    multi("symptoms", "Symptoms", { options: asIs(SYMPTOMS) }),
    field("list")("other_symptoms", "Other symptoms (comma separated)", { extra: true }),
    // each grade with CTCAE v5's word for it (CLINICAL.md s.4), as a walk met bare numbers
    // grade 5 (death) only on a correction: beside 4 it was a tap away at the bedside (a walk)
    pick("grade", "Grade (CTCAE)", (c) => [["1", "1 · mild"], ["2", "2 · moderate"], ["3", "3 · severe"],
      ["4", "4 · life-threatening"], ...(c.correcting ? [["5", "5 · death"]] : [])], { numeric: true }),
    // the pump's actions once an infusion has begun (a reaction to the premedication has none); a
    // correction offers them all, so it never drops one the entry holds
    multi("actions", "Actions taken", { options: (c) => options(
      `${c.infused === false && !c.correcting ? "" : "slowed|paused|stopped|"}medication_given|oxygen|epinephrine|emergency_services:Called 911|observed`) }),
    multi("notified_who", "Notified", { extra: true,
      options: "prescriber|pharmacist|emergency_services|supervisor|family|other" }),
    field("time")("notified_at", "Notified at", { extra: true, hint: notifiedHint }),
    pick("outcome", "Outcome", "resolved|improving|ongoing|transferred"),
  ] },
  "infusion.paused": { fields: [
    pick("reason", "Reason", "reaction|line_issue|patient_request|product_change|other", { default: (c) => (c.reaction ? "reaction" : undefined) }),
    note,
  ] },
  "infusion.resumed": { rate: true, fields: [rate("Rate")] },
  // a pump reading past the order (a slip of a digit: 1800 for 180) is said before saving, as a rate is.
  // No reason preset: a walk's 2% dose, stopped at the patient's request, was one tap from "completed"
  "infusion.stopped": { confirms: true, fields: [
    pick("reason", "Reason", "completed|reaction|line_issue|patient_request|product_issue|other"),
    number("pump_volume_ml", "Pump volume", { unit: "mL" }),
    note,
  ] },
  "line.removed": { fields: [
    pick("reason", "Reason", "therapy_complete|complication|dislodged|occluded|other"),  // none preset, as the stop
    yes("tip_intact", "Catheter tip intact"), findings,
    text("dressing", "Dressing", { ...required, default: () => "gauze" }), note,
  ] },
  "line.left_in_place": { fields: [
    text("dressing", "Dressing", required), yes("patient_instructed", "Patient instructed"), findings, note,
  ] },
  education: { fields: [
    multi("topics", "Topics", { ...required, options: asIs(EDUCATION_TOPICS) }),
    pick("understanding", "Understanding", "verbalized|demonstrated|needs_reinforcement|not_understood"),
    field("longtext")("barriers", "Barriers"),
  ] },
  note: { fields: [field("longtext")("text", "Note", required)] },
  "reaction.resolved": { fields: [note] },  // which reaction: kept from the button that opened it (reaction_id)
  signature: { fields: [
    text("name", "Signed by", { ...required, default: (c) => c.userName }),
    yes("confirm", "I confirm this record is complete and accurate", { extra: true }),
  ] },
  "visit.ended": { fields: [field("yesno")("waste_disposed", "Waste disposed of")] },
};
for (const [kind, title] of Object.entries(TITLES)) FORMS[kind].title = title;

/** Options of a field (they may depend on the visit, e.g. the products). */
export function optionsOf(field, context) {
  if (typeof field.options === "function") return field.options(context) || [];
  return typeof field.options === "string" ? options(field.options) : field.options || [];
}

function visibleFields(form, values) {
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
  return finish ? finish(payload, entered, problems, extras, values) : { payload, problems };
}

const FINISH = {
  assessment: (payload, entered, problems) => {
    if ((payload.identity || []).length < 2) {
      problems.push({ field: "identity", message: "Identity: confirm at least two identifiers with the patient (e.g. full name and date of birth)" });
    }
    return { payload: { symptoms: [], ...payload }, problems };
  },
  "reaction.observed": (payload, entered, problems, extras, values) => {
    const symptoms = [...(payload.symptoms || []), ...(entered.other_symptoms || [])];
    if (symptoms.length === 0) problems.push({ field: "symptoms", message: "Symptoms: choose or type at least one" });
    // A correction keeps when each one already listed was notified (valuesFrom leaves the time box empty);
    // a time she enters is when everyone listed was notified; someone she adds without one, now.
    const kept = values.notified_times || {};
    const at = entered.notified_at || extras.occurredAt;
    const notified = (entered.notified_who || []).map((who) => ({ who, at: kept[who] && !entered.notified_at ? kept[who] : at }));
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
    values.notified_times = Object.fromEntries((payload.notified || []).map((n) => [n.who, n.at]));
    values.notified_at = "";  // empty, not "now": each one keeps the time recorded
  }
  if (kind === "signature") values.confirm = false;
  return values;
}
