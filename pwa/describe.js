// One line of plain text per entry for the visit timeline (rendered with textContent, never HTML).

import { num } from "./format.js";

const words = (text) => String(text ?? "").replace(/_/g, " ");
const yesNo = (value) => (value ? "yes" : "no");
const list = (items) => (items || []).map(words).join(", ");
const reason = (p) => `reason: ${p.reason}`;
const rate = (p) => `${num(p.rate_ml_h)} mL/h`;
// The line's side and site, the side not said twice when the site names it (as entry_text.py's _line_placed)
const where = (p) => (!p.side || p.site.toLowerCase().split(/\s+/).includes(p.side.toLowerCase()) ? p.site : `${p.side} ${p.site}`);

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

// The pre-assessment's screen as found: what is not clear, in capitals where it needs acting on (a walk's summary
// line showed only the kit, hiding fever, headache and poor hydration). Its twin: server/services/entry_text.py.
function screen(p) {
  const found = [p.hydration === "inadequate" ? "hydration INADEQUATE" : null, p.headache ? "HEADACHE" : null,
    p.infection_signs ? "SIGNS OF INFECTION/FEVER" : null, p.thrombosis_risk ? "thrombosis risk" : null,
    p.renal_risk ? "renal risk" : null, p.allergies_reviewed === false ? "allergies NOT reviewed" : null,
    p.symptoms?.length ? `symptoms: ${list(p.symptoms)}` : null].filter(Boolean);
  return found.length ? found.join(", ") : "screen clear";
}

// Per kind: its label, and its payload as one line of text.
const KINDS = {
  "visit.started": ["Visit started", (p) => (p.location ? "location recorded" : "location not verified")],
  "visit.ended": ["Visit ended", (p) => (p.waste_disposed == null ? "" : `waste disposed: ${yesNo(p.waste_disposed)}`)],
  assessment: ["Pre-assessment", (p) => [p.identity ? `identity by ${list(p.identity)}` : "identity NOT CONFIRMED",
    `weight ${num(p.weight_kg)} kg`,
    `kit present ${yesNo(p.kit_present)}, in date ${yesNo(p.kit_in_date)}, undamaged ${yesNo(p.kit_undamaged)}`, screen(p)].join(" · ")],
  vitals: ["Vital signs", vitals],
  "medication.given": ["Medication", (p) => `${p.drug} ${num(p.dose)} ${p.unit} ${p.route} (${words(p.purpose)})`],
  "product.opened": ["Product opened", (p, names) => `${names.get(p.product_id) ?? p.product_id} lot ${p.lot}, exp. ${p.expiry}, ${num(p.volume_ml)} mL, inspected ${yesNo(p.inspected_ok)}`],
  "infusion.started": ["Infusion started", rate],
  "infusion.rate_changed": ["Rate changed", (p) => `${rate(p)}${p.reason ? ` (${words(p.reason)})` : ""}`],
  "infusion.paused": ["Infusion paused", (p) => words(p.reason)],
  "infusion.resumed": ["Infusion resumed", rate],
  "infusion.stopped": ["Infusion stopped", (p) => `${words(p.reason)}${p.pump_volume_ml != null ? ` · pump ${num(p.pump_volume_ml)} mL` : ""}`],
  "line.placed": ["Line placed", (p) => `${words(p.status)} ${words(p.type)}${p.gauge ? ` ${p.gauge} G` : ""}, ${where(p)} · ${list(p.findings)}`],
  "line.assessed": ["Line check", (p) => `${words(p.phase)}: ${list(p.findings)}`],
  "line.removed": ["Line removed", (p) => [words(p.reason), `tip intact ${yesNo(p.tip_intact)}`, list(p.findings), p.note].filter(Boolean).join(" · ")],
  "line.left_in_place": ["Line left in place", (p) => `${p.dressing} · ${list(p.findings)}`],
  "reaction.observed": ["Reaction", (p) => `grade ${p.grade}: ${list(p.symptoms)} · ${list(p.actions)} · ${words(p.outcome)}${p.outcome_recorded && p.outcome_recorded !== p.outcome ? ` (recorded ${words(p.outcome_recorded)} at the time)` : ""}${(p.notified || []).length ? ` · notified ${p.notified.map((n) => words(n.who)).join(", ")}` : ""}`],
  "reaction.resolved": ["Reaction resolved", (p) => p.note || "subsided"],
  education: ["Education", (p) => `${list(p.topics)} · ${words(p.understanding)}`],
  note: ["Note", (p) => p.text],
  signature: ["Signature", (p) => p.statement],
  "review.signed": ["Pharmacist review signed", (p) => [p.note, p.alerts_reviewed ? `${p.alerts_reviewed} alert(s) reviewed` : ""].filter(Boolean).join(" · ")],
  // the rate of a "next rate" said, as the desk says it (entry_text.py): a walk's tablet showed the words only
  "review.intervention": ["Pharmacist intervention",
    (p) => `${words(p.kind)}${p.next_rate_ml_h ? ` ${num(p.next_rate_ml_h)} mL/h` : ""}: ${p.text}`],
  "entry.amended": ["Correction", reason],
  "entry.voided": ["Entry voided", reason],
};

/** `{label, text}` for an entry; `names`: product id -> name (visit_model.productNames), a product the
 *  reference does not list is named by its id. */
export function describe(kind, payload, names = new Map()) {
  const [label, text] = Object.hasOwn(KINDS, kind) ? KINDS[kind] : [kind, () => ""];
  const p = payload || {};
  // a pump event of an additional order names it; the visit's start names its own order, not worth saying
  return { label, text: text(p, names) + (p.order_id && kind !== "visit.started" ? ` · order ${p.order_id}` : "") };
}
