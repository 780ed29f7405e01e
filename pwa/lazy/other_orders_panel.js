// The visit's additional orders on the visit screen (a pre-hydration before the IVIG, a second product):
// each with its pump's status and volume, and Start, Change rate and Stop, which record pump events
// carrying the order's id; its start rate and limit (its own protocol, weight and cap). No step-by-step advice
// (that is the primary order's); the pump's rules judge each order's pump (alerts.js), and their alerts name it.
// Loaded on demand (precached), so the cold-start shell does not carry it.

import { clock, num } from "../format.js";
import { button, h } from "../views/dom.js";

const STOP_REASONS = ["completed", "reaction", "line_issue", "patient_request", "product_issue", "other"];
const RATE_REASONS = ["titration", "reaction", "new_lot", "order", "patient_request", "other"];  // payloads.json
// What the nurse has typed or chosen per order and box, kept across the screen's refreshes (a sync pull
// re-renders the panel): "12:rate" -> "250".
const typed = new Map();

// A box of the card for `name` that keeps what was typed or chosen into it (`key`) across refreshes.
function kept(tag, key, initial, attributes, ...children) {
  return h(tag, { ...attributes, value: typed.get(key) ?? initial, oninput: (e) => typed.set(key, e.target.value) }, ...children);
}
const choices = (values, chosen) => values.map((v) => h("option", { value: v, selected: v === chosen }, v.replace("_", " ")));
const numberOrNull = (box) => (box.value === "" ? null : Number(box.value));

function statusText(run) {
  if (run.status === "running") return `Running at ${num(run.current_rate_ml_h)} mL/h since ${clock(run.segments.at(-1).start)}`;
  if (run.status === "paused") return "Paused";
  if (run.status === "stopped") return `Stopped at ${clock(run.stopped_at)}${run.pump_volume_ml != null ? ` · pump ${num(run.pump_volume_ml)} mL` : ""}`;
  return "Not started";
}

const statusLine = (run) => `${statusText(run)} · ${num(run.volume_infused_ml, 1) || 0} mL infused`;

// A fixed dose (hydration) runs at its volume over its time; a titrated order starts low up to its limit.
function ratesText(run) {
  if (run.protocol_kind === "fixed_dose") {
    return `${num(run.volume_ml)} mL over ${num(run.duration_min)} min: run at ${num(run.start_ml_h)} mL/h · limit ${num(run.limit_ml_h)} mL/h`;
  }
  return `${run.start_ml_h === null ? "" : `Start at ${num(run.start_ml_h)} mL/h · `}limit ${num(run.limit_ml_h)} mL/h`;
}

// `save(kind, payload)` records the entry (and refreshes); `check(kind, payload)` gives its problems;
// `preview(kind, payload)` the alerts it would raise: a start or a rate that breaks the protocol (no bag
// opened, above the ordered rate) is shown first and saved at a second tap, as the main pump's forms do;
// `startOff[order id]`: why its Start is off (the visit ended, no passed kit check; null: it is on).
function orderCard(run, { save, check, preview = null, startOff = {} }) {
  const name = `order ${run.order_id}`;
  const running = run.status === "running" || run.status === "paused";
  // Before a start the box holds the rate to start at (for a fixed dose, the ordered one), as the main form does.
  const offered = !running && run.start_ml_h != null ? String(run.start_ml_h) : "";
  const box = { type: "number", inputmode: "decimal", min: "0", step: "any" };
  const rate = kept("input", `${run.order_id}:rate`, offered, { ...box, "aria-label": `Rate (mL/h) for ${name}` });
  const because = run.protocol_kind === "fixed_dose" ? "order" : "titration";  // a bag runs at its order's rate
  const rateReason = kept("select", `${run.order_id}:rate_reason`, because, { "aria-label": `Rate change reason for ${name}` },
    choices(RATE_REASONS, typed.get(`${run.order_id}:rate_reason`) ?? because));
  const reason = kept("select", `${run.order_id}:stop_reason`, "completed", { "aria-label": `Stop reason for ${name}` },
    choices(STOP_REASONS, typed.get(`${run.order_id}:stop_reason`) ?? "completed"));
  const pumpVolume = kept("input", `${run.order_id}:pump_volume`, "", { ...box, "aria-label": `Pump volume (mL) for ${name}` });
  const problems = h("p.why-off", { role: "alert", hidden: true });
  let confirmedFor = null;
  const record = async (kind, payload) => {
    const found = payload.rate_ml_h === null ? [{ message: `Enter the rate (mL/h) for ${name}` }] : check ? check(kind, payload) : [];
    const raised = !found.length && preview ? preview(kind, payload) : [];
    const key = JSON.stringify([kind, payload]);
    const warn = raised.length && confirmedFor !== key;
    confirmedFor = warn ? key : null;
    problems.hidden = !found.length && !warn;
    const stop = kind === "infusion.stopped";  // a fact to record: checked, never talked out of
    problems.textContent = warn ? `${stop ? "Check before saving; this would flag" : "This breaks the protocol"}: ${raised.map((a) => a.message).join("; ")}. ${
      stop ? "Correct what was mistyped, or tap again to record it as it is." : "Tap again only if the order or the prescriber says so."}`
      : found.map((p) => p.message).join("; ");
    if (found.length || warn) return;
    for (const key of [...typed.keys()]) if (key.startsWith(`${run.order_id}:`)) typed.delete(key);
    await save(kind, payload);
  };
  const rated = (kind, extra) => () => record(kind, { rate_ml_h: numberOrNull(rate), ...extra(), order_id: run.order_id });
  return h("article.other-order", { testid: "other-order", dataset: { orderId: run.order_id }, "aria-label": `Order ${run.order_id} · ${run.product_name}` },
    h("h3", `Order ${run.order_id} · ${run.product_name}`),
    h("p", { testid: "other-order-status" }, statusLine(run)),
    h("p", { testid: "other-order-rates" }, ratesText(run)),
    h("div.action-grid",
      h("label", "Rate (mL/h) ", rate),
      running
        ? [h("label", "Reason ", rateReason),
          button(`Change rate of ${name}`, rated("infusion.rate_changed", () => ({ reason: rateReason.value, note: null })), { kind: "small" }),
          h("label", "Stop reason ", reason), h("label", "Pump volume (mL) ", pumpVolume),
          button(`Stop ${name}`, () => record("infusion.stopped", { reason: reason.value, pump_volume_ml: numberOrNull(pumpVolume), note: null, order_id: run.order_id }), { kind: "small" })]
        : button(`Start ${name}`, rated("infusion.started", () => ({ override_reason: null })), { kind: "small", reason: startOff[run.order_id] ?? null })),
    problems);
}

/** The panel of the visit's additional orders (null when it holds none, or before the visit began). */
export function otherOrdersPanel(state, actions) {
  if (!state?.time_in || !state.other_orders?.length) return null;
  return h("section.other-orders", { testid: "other-orders" },
    h("h2", "Other orders of this visit"),
    state.other_orders.map((run) => orderCard(run, actions)));
}

/** Brings the figures that grow with the clock (the volume infused) up to date on the cards in place:
 * rebuilding the cards at each refresh replaced the box the nurse was typing in, and her rate was lost
 * (a browser test's Change rate found the box empty). */
export function refreshOtherOrders(section, state) {
  for (const run of state.other_orders) {
    const status = section.querySelector(`[data-order-id="${run.order_id}"] [data-testid=other-order-status]`);
    if (status) status.textContent = statusLine(run);
  }
}
