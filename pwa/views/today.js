// Today's visits from the reference (and the other open visits of the week): time, patient, product,
// where each visit stands on this tablet, and its sync state.

import { clock, dayClock } from "../format.js";
import { orderLine, otherOrdersOf, patientName, productNames, visitsByDay } from "../visit_model.js";
import { h } from "./dom.js";

function card({ visit, patient, order }, { info, onOpen, when, products }) {
  const about = info(visit.id);
  return h("li",
    h("button.visit-card", { type: "button", testid: "visit-card", dataset: { visitId: visit.id }, onclick: () => onOpen(visit.id) },
      h("span.visit-time", when(visit.scheduled_at)),
      h("span.visit-who", patientName(patient), h("span.muted", ` · ${patient ? patient.mrn : ""}`)),
      h("span.visit-what", order ? [order, ...otherOrdersOf(visit)].map((o) => orderLine(o, products)).join(" + ") : ""),
      h(`span.status.status-${about.status}`, (about.status || "").replace("_", " ")),
      about.alerts ? h("span.badge.flagged", `${about.alerts} alert${about.alerts > 1 ? "s" : ""}`) : null,
      about.pending ? h("span.badge.pending", `${about.pending} to sync`) : null,
      about.quarantined ? h("span.badge.danger", `${about.quarantined} need correction`) : null,
      about.syncedAt ? h("span.muted.small", `synced ${clock(about.syncedAt)}`) : null));
}

/** `info(visitId)` gives {status, alerts, pending, quarantined, syncedAt}; `onOpen(visitId)` opens it. */
export function todayView({ reference, now, info, onOpen }) {
  const { today, other } = visitsByDay(reference, now);
  const products = productNames(reference);
  return h("section.today", { testid: "today" },
    h("h1", "Today's visits"),
    today.length ? h("ul.visit-list", today.map((row) => card(row, { info, onOpen, when: clock, products })))
      : h("p.muted", "No visits scheduled today."),
    other.length ? [h("h2", "Other open visits this week"),
      h("ul.visit-list", other.map((row) => card(row, { info, onOpen, when: dayClock, products })))] : null);
}
