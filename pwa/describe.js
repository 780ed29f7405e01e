// One line of plain text per entry for the visit timeline (rendered with textContent, never HTML).

import { num } from "./format.js";

export const KIND_LABELS = {
  "visit.started": "Visit started", "visit.ended": "Visit ended", assessment: "Pre-assessment",
  vitals: "Vital signs", "medication.given": "Medication", "product.opened": "Product opened",
  "infusion.started": "Infusion started", "infusion.rate_changed": "Rate changed", "infusion.paused": "Infusion paused",
  "infusion.resumed": "Infusion resumed", "infusion.stopped": "Infusion stopped", "line.placed": "Line placed",
  "line.assessed": "Line check", "line.removed": "Line removed", "line.left_in_place": "Line left in place",
  "reaction.observed": "Reaction", education: "Education", note: "Note", signature: "Signature",
  "review.signed": "Pharmacist review signed", "review.intervention": "Pharmacist intervention",
  "entry.amended": "Correction", "entry.voided": "Entry voided",
};

const words = (text) => String(text ?? "").replace(/_/g, " ");
const yesNo = (value) => (value ? "yes" : "no");
const list = (items) => (items || []).map(words).join(", ");

function vitals(p) {
  const parts = [];
  if (p.hr != null) parts.push(`HR ${num(p.hr)}`);
  if (p.sbp != null) parts.push(`BP ${num(p.sbp)}/${num(p.dbp)}`);
  if (p.temp_c != null) parts.push(`T ${num(p.temp_c, 1)} °C`);
  if (p.rr != null) parts.push(`RR ${num(p.rr)}`);
  if (p.spo2 != null) parts.push(`SpO2 ${num(p.spo2)}%`);
  if (p.pain != null) parts.push(`pain ${p.pain}/10`);
  return parts.join(" · ");
}

const DESCRIBE = {
  "visit.started": (p) => (p.location ? "location recorded" : "location not verified"),
  "visit.ended": (p) => (p.waste_disposed == null ? "" : `waste disposed: ${yesNo(p.waste_disposed)}`),
  assessment: (p) => `weight ${num(p.weight_kg)} kg · kit present ${yesNo(p.kit_present)}, in date ${yesNo(p.kit_in_date)}, undamaged ${yesNo(p.kit_undamaged)}`,
  vitals,
  "medication.given": (p) => `${p.drug} ${num(p.dose)} ${p.unit} ${p.route} (${words(p.purpose)})`,
  "product.opened": (p) => `${p.product_id} lot ${p.lot}, exp. ${p.expiry}, ${num(p.volume_ml)} mL, inspected ${yesNo(p.inspected_ok)}`,
  "infusion.started": (p) => `${num(p.rate_ml_h)} mL/h`,
  "infusion.rate_changed": (p) => `${num(p.rate_ml_h)} mL/h${p.reason ? ` (${words(p.reason)})` : ""}`,
  "infusion.paused": (p) => words(p.reason),
  "infusion.resumed": (p) => `${num(p.rate_ml_h)} mL/h`,
  "infusion.stopped": (p) => `${words(p.reason)}${p.pump_volume_ml != null ? ` · pump ${num(p.pump_volume_ml)} mL` : ""}`,
  "line.placed": (p) => `${words(p.status)} ${words(p.type)}${p.gauge ? ` ${p.gauge} G` : ""}, ${p.site} · ${list(p.findings)}`,
  "line.assessed": (p) => `${words(p.phase)}: ${list(p.findings)}`,
  "line.removed": (p) => `${words(p.reason)} · tip intact ${yesNo(p.tip_intact)} · ${list(p.findings)}`,
  "line.left_in_place": (p) => `${p.dressing} · ${list(p.findings)}`,
  "reaction.observed": (p) => `grade ${p.grade}: ${list(p.symptoms)} · ${list(p.actions)} · ${words(p.outcome)}${(p.notified || []).length ? ` · notified ${p.notified.map((n) => words(n.who)).join(", ")}` : ""}`,
  education: (p) => `${list(p.topics)} · ${words(p.understanding)}`,
  note: (p) => p.text,
  signature: (p) => p.statement,
  "review.signed": (p) => p.note || "",
  "review.intervention": (p) => `${words(p.kind)}: ${p.text}`,
  "entry.amended": (p) => `reason: ${p.reason}`,
  "entry.voided": (p) => `reason: ${p.reason}`,
};

/** `{label, text}` for an entry. */
export function describe(kind, payload) {
  const label = KIND_LABELS[kind] || kind;
  const text = DESCRIBE[kind] ? DESCRIBE[kind](payload || {}) : "";
  return { label, text };
}
