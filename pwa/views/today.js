// Today's visits from the reference (and the other open visits of the week): time, patient, product,
// where each visit stands on this tablet, and its sync state.

import { clock, dayClock } from "../format.js";
import { patientName, productOptions, visitsByDay } from "../visit_model.js";
import { h } from "./dom.js";

const STATUS_TEXT = {
  scheduled: "scheduled", in_progress: "in progress", completed: "completed", signed: "signed",
  reviewed: "reviewed", reopened: "reopened",
};

function card({ visit, patient, order }, { info, onOpen, when, products }) {
  const about = info(visit.id);
  return h("li", {},
    h("button", { type: "button", class: "visit-card", "data-testid": "visit-card", dataset: { visitId: visit.id }, onclick: () => onOpen(visit.id) },
      h("span", { class: "visit-time" }, when(visit.scheduled_at)),
      h("span", { class: "visit-who" }, patientName(patient), h("span", { class: "muted" }, ` · ${patient ? patient.mrn : ""}`)),
      h("span", { class: "visit-what" }, order ? `${products.get(order.product_id) || order.product_id} · ${order.dose_g} g` : ""),
      h("span", { class: `status status-${about.status}` }, STATUS_TEXT[about.status] || about.status),
      about.alerts ? h("span", { class: "badge flagged" }, `${about.alerts} alert${about.alerts > 1 ? "s" : ""}`) : null,
      about.pending ? h("span", { class: "badge pending" }, `${about.pending} to sync`) : null,
      about.quarantined ? h("span", { class: "badge danger" }, `${about.quarantined} need correction`) : null,
      about.syncedAt ? h("span", { class: "muted small" }, `synced ${clock(about.syncedAt)}`) : null));
}

/** `info(visitId)` gives {status, alerts, pending, quarantined, syncedAt}; `onOpen(visitId)` opens it. */
export function todayView({ reference, now, info, onOpen }) {
  const { today, other } = visitsByDay(reference, now);
  const products = new Map(productOptions(reference));
  return h("section", { class: "today", "data-testid": "today" },
    h("h1", {}, "Today's visits"),
    today.length ? h("ul", { class: "visit-list" }, today.map((row) => card(row, { info, onOpen, when: clock, products })))
      : h("p", { class: "muted" }, "No visits scheduled today."),
    other.length ? [h("h2", {}, "Other open visits this week"),
      h("ul", { class: "visit-list" }, other.map((row) => card(row, { info, onOpen, when: dayClock, products })))] : null);
}
