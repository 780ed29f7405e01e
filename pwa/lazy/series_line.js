// Where the visit stands in the patient's series of infusions, and the rate to aim for, in the words the
// review page uses (server/templates/review/_series.html): "Infusion 3 of series (subsequent protocol)",
// "First infusion (product switch)", "Last tolerated rate: 168 mL/h (visit of 4 Feb 2025) — target 168 mL/h",
// and what the patient's last infusion handed over: its reactions and the pharmacist's words.
// Loaded when a visit opens (precached: offline too), outside the cold-start shell.

import { clock, num } from "../format.js";
import { h } from "../views/dom.js";

const PROTOCOL = { subsequent: "subsequent protocol", first: "first-infusion protocol", every: "same protocol every infusion" };
const BOUND = { order_cap: "the order's cap", label_max: "the label maximum", at_risk_cap: "the at-risk cap", order_max: "the order's top step", order_rate: "the ordered rate",
  at_risk_default: "the organization's at-risk cap", at_risk_minimum: "the at-risk start rate", pharmacist: "set by the pharmacist",
  last_reaction: "after the last reaction" };
const NOTE = { next_rate: "next infusion rate", premed_change: "premedication change", product_switch: "product switch",
  prescriber_contacted: "prescriber contacted", other: "note", sign_off: "sign-off note" };

/** "First infusion (product switch)" or "Infusion 3 of series (subsequent protocol)". */
export function seriesTitle(series, longGapDays) {
  const reason = { first_ever: "no earlier infusion", product_switch: "product switch", long_gap: `gap over ${longGapDays} days` };
  if (series.kind === "first") return `First infusion (${reason[series.reason]})`;
  return `Infusion ${series.number} of series (${PROTOCOL[series.protocol_infusion]})`;
}

function dateOf(iso) {
  return new Date(iso).toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
}

// "Last tolerated rate: 168 mL/h (visit of 4 Feb 2025) — target 120 mL/h (set by the pharmacist)".
function targetLine(series) {
  const last = series.last_tolerated;
  const target = series.target_ml_h;
  if (!last && target == null) return null;
  const cut = series.target_bound !== "last_tolerated" ? ` (${BOUND[series.target_bound] || series.target_bound})` : "";
  return h("p", { testid: "last-tolerated" }, last ? `Last tolerated rate: ${num(last.rate_ml_h)} mL/h (visit of ${dateOf(last.ended_at)}) — ` : "",
    target == null ? "no target under this visit's limits" : h("strong", `${last ? "t" : "T"}arget ${num(target)} mL/h${cut}`),
    series.target_holds ? h("span", { testid: "target-holds" }, "; the step advice stops there") : null);
}

// "Reaction grade 2 at 15:32, 432 mL/h: …"; its date too when not the card's (visits since the last infusion).
const reactionText = (r, day) => `Reaction grade ${r.grade} at ${dateOf(r.at) === day ? "" : `${dateOf(r.at)} `}${clock(r.at)}`
  + `${r.rate_ml_h == null ? "" : `, ${num(r.rate_ml_h)} mL/h`}: ${r.symptoms.join(", ")} (${r.outcome})`;

// The folded handovers the nurse opened ("<visit id> <card>"): kept across the cards' redraws (a sync redraws them).
const unfolded = new Set();

/** What the patient's last infusion (or a later visit that gave none: `heading` "Last visit") handed over
 * (`names`: product id -> name), or null when it holds none. Once the infusion has begun it folds to one line,
 * so the pump panel stays on the first screen (a walk found it pushed below the fold at 1280×800); a tap
 * opens it. */
function handoverCard(last, names, folded, { visitId, heading, testid }) {
  if (!last) return null;
  const title = `${heading}, ${dateOf(last.ended_at)} · ${names.get(last.product_id) ?? last.product_id}`;
  const body = [
    last.reactions.length ? h("ul", last.reactions.map((r) => h("li", { testid: "handover-reaction", class: r.grade >= 2 ? "warn-text" : null }, reactionText(r, dateOf(last.ended_at)))))
      : h("p.muted", "No reaction recorded."),
    last.notes.map((note) => h("p", { testid: "handover-note" },
      h("strong", `Pharmacist, ${NOTE[note.kind] || note.kind}${note.next_rate_ml_h == null ? "" : ` ${num(note.next_rate_ml_h)} mL/h`}: `), note.text))];
  if (!folded) return h("div.handover", { testid }, h("p", h("strong", title)), body);
  const worst = Math.max(0, ...last.reactions.map((r) => r.grade));
  const notes = last.notes.length ? ` · ${last.notes.length} pharmacist note${last.notes.length > 1 ? "s" : ""}` : "";
  const key = `${visitId} ${testid}`;
  return h("details.handover", { testid, open: unfolded.has(key),
    ontoggle: (e) => { if (e.target.open) unfolded.add(key); else unfolded.delete(key); } },
  h("summary", h("strong", title), ": ", h("span", { class: worst >= 2 ? "warn-text" : null }, worst ? `reaction grade ${worst}` : "no reaction"), notes), body);
}

/** The series card under the visit header (`rules` the rule book's document, `names` product id -> name),
 * or null when the server sent no series facts. */
export function seriesLine(state, rules, names) {
  const series = state?.series;
  if (!series) return null;
  const title = seriesTitle(series, rules.infusion_series.long_gap_days);
  const [folded, visitId] = [state.infusion?.status !== "not_started", state.visit_id];
  return h("section.card", { testid: "series" },
    h("p", { testid: "series-title" }, series.kind === "first" ? h("strong", title) : title),
    targetLine(series),
    handoverCard(series.last_visit, names, folded, { visitId, heading: "Last visit (nothing infused)", testid: "last-visit" }),
    handoverCard(series.last_infusion, names, folded, { visitId, heading: "Last infusion", testid: "last-infusion" }));
}
