// Where the visit stands in the patient's series of infusions, and the rate to aim for, in the words the
// review page uses (server/templates/review/_series.html): "Infusion 3 of series (subsequent protocol)",
// "First infusion (product switch)", "Last tolerated rate: 168 mL/h (visit of 4 Feb 2025) — target 168 mL/h".
// Loaded when a visit opens (precached: offline too), outside the cold-start shell.

import { num } from "../format.js";
import { h } from "../views/dom.js";

const PROTOCOL = { subsequent: "subsequent protocol", first: "first-infusion protocol", every: "same protocol every infusion" };
const BOUND = { order_cap: "the order's cap", label_max: "the label maximum", at_risk_cap: "the at-risk cap", order_max: "the order's top step", order_rate: "the ordered rate",
  at_risk_default: "the organization's at-risk cap", at_risk_minimum: "the at-risk start rate" };

/** "First infusion (product switch)" or "Infusion 3 of series (subsequent protocol)". */
export function seriesTitle(series, longGapDays) {
  const reason = { first_ever: "no earlier infusion", product_switch: "product switch", long_gap: `gap over ${longGapDays} days` };
  if (series.kind === "first") return `First infusion (${reason[series.reason]})`;
  return `Infusion ${series.number} of series (${PROTOCOL[series.protocol_infusion]})`;
}

function dateOf(iso) {
  return new Date(iso).toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
}

/** The series card under the visit header (`rules` the rule book's document), or null when the server
 * sent no series facts. */
export function seriesLine(state, rules) {
  const series = state?.series;
  if (!series) return null;
  const longGapDays = rules.infusion_series.long_gap_days;
  const last = series.last_tolerated;
  const target = series.target_ml_h;
  const cut = series.target_bound !== "last_tolerated" ? ` (${BOUND[series.target_bound] || series.target_bound})` : "";
  const title = seriesTitle(series, longGapDays);
  return h("section.card", { testid: "series" },
    h("p", { testid: "series-title" }, series.kind === "first" ? h("strong", title) : title),
    last ? h("p", { testid: "last-tolerated" }, `Last tolerated rate: ${num(last.rate_ml_h)} mL/h (visit of ${dateOf(last.ended_at)}) — `,
      target == null ? "no target under this visit's limits" : h("strong", `target ${num(target)} mL/h${cut}`)) : null);
}
