// The read-only panels of the visit screen: patient header, alerts, infusion status with the next
// step and its countdown, next vital signs due, and the entries the server refused.

import { describe } from "../describe.js";
import { clock, num } from "../format.js";
import { patientName, pumpState, sortedAlerts } from "../visit_model.js";
import { button, h } from "./dom.js";

export function header({ patient, order, state, sync }) {
  const allergies = patient?.allergies ? `Allergies: ${patient.allergies}` : "No known allergies recorded";
  return h("header", { class: "visit-head", "data-testid": "visit-head" },
    h("div", { class: "who" },
      h("h1", { "data-testid": "patient-name" }, patientName(patient)),
      h("p", { class: "muted" }, `${patient?.mrn || ""} · born ${patient?.birth_date || "?"} · dosing weight ${num(order?.dosing_weight_kg)} kg`),
      h("p", { class: patient?.allergies ? "allergy" : "muted" }, allergies)),
    h("div", { class: "what" },
      h("p", {}, state?.protocol?.product_name || order?.product_id || ""),
      h("p", { class: "muted" }, order ? `${num(order.dose_g)} g (${num(order.dose_g_per_kg)} g/kg) · ${order.indication}` : ""),
      h("p", { class: `status status-${state?.status}`, "data-testid": "visit-status" }, (state?.status || "").replace("_", " ")),
      state?.time_in ? h("p", { class: "muted" }, `In ${clock(state.time_in)}${state.location_verified === false ? " · location not verified" : ""}`) : null),
    h("div", { class: "visit-sync", "data-testid": "visit-sync" },
      h("span", { class: sync.pending ? "badge pending" : "badge ok", "data-testid": "visit-pending" },
        sync.pending ? `${sync.pending} not yet synced` : "all synced"),
      sync.syncedAt ? h("span", { class: "muted small" }, `last synced ${clock(sync.syncedAt)}`) : null,
      sync.quarantined ? h("span", { class: "badge danger" }, `${sync.quarantined} need correction`) : null));
}

export function alertsPanel(state, { offline, rulesMissing }) {
  if (rulesMissing) {
    return h("section", { class: "alerts", role: "alert" }, h("p", { class: "alert critical" },
      "Clinical rules could not be loaded on this tablet: alerts and rate advice are NOT shown. Reload when online."));
  }
  const alerts = sortedAlerts(state?.alerts);
  if (alerts.length === 0) return h("section", { class: "alerts none", "data-testid": "alerts" }, h("p", { class: "muted" }, "No alerts."));
  return h("section", { class: "alerts", role: "alert", "data-testid": "alerts" },
    h("h2", {}, `${alerts.length} alert${alerts.length > 1 ? "s" : ""}${offline ? " (checked on this tablet, offline)" : ""}`),
    h("ul", {}, alerts.map((a) => h("li", { class: `alert ${a.severity}`, dataset: { rule: a.rule, alertId: a.id }, "data-testid": "alert" },
      h("strong", {}, a.severity === "critical" ? "CRITICAL " : "Warning "), a.message))));
}

const ACTION_TEXT = {
  start: "Start at", increase: "Next step", maintain: "Stay at", hold: "Hold: reaction ongoing", resume: "Resume at",
  lower: "Lower the rate to", reduce_to_limit: "Reduce to the limit",
};

export function infusionPanel(state) {
  const infusion = state?.infusion || {};
  const pump = pumpState(state);
  const next = infusion.next_rate;
  const step = state?.steps?.find((s) => s.index === next?.step_index);
  return h("section", { class: "infusion", "data-testid": "infusion-panel" },
    h("div", { class: "pump" },
      h("span", { class: "big-number", "data-testid": "current-rate" }, infusion.current_rate_ml_h != null ? `${num(infusion.current_rate_ml_h)} mL/h` : "—"),
      h("span", { class: `pump-state pump-${pump}` }, pump.replace("_", " ")),
      h("span", { class: "muted" }, `${num(infusion.volume_infused_ml, 1) || 0} mL infused · ${num(infusion.grams_given)} of ${num(infusion.grams_ordered)} g`)),
    next ? h("div", { class: `next-step action-${next.action}`, "data-testid": "next-step" },
      h("span", {}, ACTION_TEXT[next.action] || next.action, " "),
      next.rate_ml_h != null ? h("strong", { "data-testid": "next-rate" }, `${num(next.rate_ml_h)} mL/h`) : null,
      step ? h("span", { class: "muted" }, ` (step ${step.index + 1} of ${state.steps.length}, ${num(step.ml_kg_h)} mL/kg/h)`) : null,
      next.due_at ? h("span", { class: "countdown", dataset: { due: next.due_at }, "data-testid": "next-step-countdown" }) : null,
      h("span", { class: "muted small" }, ` · limit ${num(next.limit_ml_h)} mL/h`)) : null,
    state?.next_vitals_due_at ? h("div", { class: "next-vitals", "data-testid": "next-vitals" },
      h("span", {}, "Vital signs due "), h("strong", {}, clock(state.next_vitals_due_at)), " ",
      h("span", { class: "countdown", dataset: { due: state.next_vitals_due_at } })) : null);
}

/** Entries the server refused, with its reason; `onCorrect(item)` (null when it has no form) fixes one. */
export function correctionsPanel(items, onCorrect) {
  if (items.length === 0) return null;
  return h("section", { class: "corrections", role: "alert", "data-testid": "needs-correction" },
    h("h2", {}, "Needs correction"),
    h("p", { class: "muted" }, "The server kept these entries aside. Correct them: the corrected entry is sent as a new entry."),
    h("ul", {}, items.map((item) => {
      const { label, text } = describe(item.event.kind, item.event.payload);
      return h("li", { "data-testid": "quarantined-item" },
        h("p", {}, h("strong", {}, `${clock(item.event.occurred_at)} ${label}: `), text),
        h("p", { class: "reason", "data-testid": "quarantine-reason" }, item.local.reason || item.local.code),
        onCorrect(item) ? button("Correct", onCorrect(item), { kind: "small", testid: "correct" }) : null);
    })));
}
