// The visit's arrival: "Start visit" records time in and, where the tablet allows, the location (EVV).

import { dayClock, sameDay } from "../format.js";
import { fill, h } from "./dom.js";

function locate() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) { resolve(null); return; }
    navigator.geolocation.getCurrentPosition(
      (pos) => resolve({ lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy_m: Math.min(pos.coords.accuracy, 100000) }),
      () => resolve(null), { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
  });
}

async function startVisit(app, visit, buttonEl, { failed, done }) {
  buttonEl.disabled = true;
  buttonEl.textContent = "Getting location…";
  const location = await locate();
  try {
    await app.save({ visitId: visit.id, kind: "visit.started",
      payload: { patient_id: String(visit.patient_id), order_id: visit.order_id == null ? null : String(visit.order_id), location } });
  } catch {
    failed(); // app.save has shown the error; the button comes back for another try
  }
  done();
}

// "Start visit"; for a visit scheduled on another day, first the day and "Start anyway": a nurse with the week's
// visits on her tablet could document today's infusion on tomorrow's visit (a walk started one unwarned).
// `then`: failed() when the save was refused, done() after either.
export function startOffer(app, visit, then) {
  const other = visit.scheduled_at && !sameDay(visit.scheduled_at, new Date(app.now())) ? dayClock(visit.scheduled_at) : null;
  const lead = h("p.lead", { testid: "start-lead" }, "Time in and location are recorded when you start.");
  const el = h("button.btn.primary.huge", { type: "button", testid: "start-visit", onclick: () => {
    if (!other || el.dataset.confirmed) return startVisit(app, visit, el, then);
    el.dataset.confirmed = "yes";
    el.textContent = "Start anyway";
    fill(lead, h("strong", `This visit is scheduled for ${other}, not today.`), " Check it is the visit you are at.");
    lead.classList.add("warning");
  } }, other ? `Start visit (scheduled ${dayClock(visit.scheduled_at)})` : "Start visit");
  return [lead, el];
}
