// The visit screen's order-safety panel (loaded on demand): the pharmacist's override of the order-safety
// check (what, why, who, when), the at-risk cap the advice stops at, and what the check finds wrong with
// the order for this patient today (pwa/lazy/order_safety.js, the server's rule).

import { isAtRisk } from "../rules/context.js";
import { clock, num } from "../format.js";
import { h } from "../views/dom.js";
import { findingOf, orderSafetyOf } from "./order_safety.js";

const LIMIT_NAMES = {
  at_risk_cap: "the label's at-risk cap", at_risk_default: "the organization's default at-risk cap",
  at_risk_minimum: "the start rate: the order has no at-risk cap", order_cap: "the order's rate cap",
  label_max: "the label maximum", order_max: "the order's last step", order_rate: "the ordered rate",
};

function overrideBlock(override) {
  return h("div.alert.warning", { testid: "tablet-safety-override" },
    h("p", h("strong", "Pharmacist override"), ` by ${override.by}, ${override.at.slice(0, 10)} ${clock(override.at)}: ${override.reason}`),
    h("ul", override.problems.map((p) => h("li", p.finding))),
    h("p.muted.small", "Rate advice stops at the label maximum; running above it raises an alert."));
}

/** The panel for this visit's context (makeContext) and state, or null when there is nothing to say. */
export function orderSafetyPanel({ context, state }) {
  const assessments = (state?.entries || []).filter((e) => e.kind === "assessment").map((e) => e.payload);
  const atRisk = isAtRisk(context, assessments);
  const safety = orderSafetyOf(context, atRisk);
  const override = context.order.safety_override;
  if (!safety || (!atRisk && !override && !safety.problems.length)) return null;
  const limit = state?.protocol;
  const open = override ? [] : safety.problems;
  return h("section.order-safety", { testid: "order-safety" },
    atRisk && limit ? h("p", { testid: "at-risk-cap" }, h("strong", "At-risk patient: "),
      `advice stops at ${num(limit.limit_ml_h)} mL/h (${LIMIT_NAMES[limit.limit_source] || limit.limit_source}).`) : null,
    override ? overrideBlock(override) : null,
    open.length ? h("ul.alert.critical", { role: "alert" }, open.map((p) => h("li", findingOf(p.message),
      p.overridable ? " No override is recorded: call the pharmacist." : " Call the pharmacist."))) : null);
}
