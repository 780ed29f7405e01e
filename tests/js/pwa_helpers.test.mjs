// The tablet's small pure helpers: numbers and times as typed, entry payloads from form values,
// product barcodes, the kit gate and which buttons are on, the chart geometry, kept visits.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { chartModel, niceCeil } from "../../pwa/lazy/chart_model.js";
import { FORMS, payloadFrom, valuesFrom } from "../../pwa/lazy/entries.js";
import { describe as describeEntry } from "../../pwa/describe.js";
import { hasForm, TITLES } from "../../pwa/form_titles.js";
import { countdown, fromLocalInput, parseNumber, toLocalInput } from "../../pwa/format.js";
import { carryOver } from "../../pwa/inbox.js";
import { availability, kitGate, newAlerts, orderAmount, productNames, recommendedRate, visitRow, visitsByDay } from "../../pwa/visit_model.js";

describe("numbers and times", () => {
  test("a decimal comma, spaces and empty fields are read as a nurse means them", () => {
    assert.equal(parseNumber(" 36,8 "), 36.8);
    assert.equal(parseNumber(""), null);
    assert.ok(Number.isNaN(parseNumber("3x")));
    assert.ok(Number.isNaN(parseNumber("1e3")));
  });

  test("a local date-time input round-trips to an ISO instant", () => {
    const date = new Date(2025, 2, 4, 9, 5);
    assert.equal(fromLocalInput(toLocalInput(date)), date.toISOString());
    assert.equal(fromLocalInput("yesterday"), null);
  });

  test("countdowns say how long until, 'due now', then how late", () => {
    const now = new Date("2025-03-04T10:00:00Z");
    assert.equal(countdown("2025-03-04T10:12:30Z", now).text, "in 12 min 30 s");  // not "in 12:30", a clock's look
    assert.equal(countdown("2025-03-04T10:00:45Z", now).text, "in 45 s");
    assert.equal(countdown("2025-03-04T10:00:00Z", now).text, "due now");
    assert.deepEqual(countdown("2025-03-04T09:57:00Z", now), { text: "3 min overdue", due: true, overdue: true });
    assert.equal(countdown(null, now), null);
  });
});

describe("entry payloads from form values", () => {
  test("every titled kind has its form, every form its title, and only those kinds have one", () => {
    assert.deepEqual(Object.keys(FORMS).sort(), Object.keys(TITLES).sort());
    for (const [kind, form] of Object.entries(FORMS)) assert.equal(form.title, TITLES[kind]);
    assert.ok(hasForm("vitals") && !hasForm("visit.started") && !hasForm("toString"));
  });

  test("a rate change's reason is preset after a reaction and on a titration, and a bag at its order's rate asks why", () => {
    const reason = FORMS["infusion.rate_changed"].fields.find((field) => field.name === "reason");
    assert.equal(reason.required, true);
    assert.equal(reason.default({ reaction: true, titrates: false }), "reaction");
    assert.equal(reason.default({ reaction: false, titrates: true }), "titration");
    assert.equal(reason.default({ reaction: false, titrates: false }), undefined);  // a walk's hydration read "titration"
  });

  test("the weight's hint names the order's dosing weight, unless the order is a volume (hydration)", () => {
    const weight = FORMS.assessment.fields.find((field) => field.name === "weight_kg");
    assert.equal(weight.hint({}, { order: { dosing_weight_kg: 64, volume_ml: null } }), "Weigh the patient: the order doses for 64 kg.");
    assert.equal(weight.hint({}, { order: { dosing_weight_kg: 64, volume_ml: 1000 } }), null);
  });

  test("vitals keep only what was measured, as numbers", () => {
    assert.deepEqual(payloadFrom("vitals", { hr: "72", temp_c: "36,8", sbp: "" }), { payload: { hr: 72, temp_c: 36.8 }, problems: [] });
  });

  test("a required answer left out and a non-number are both reported", () => {
    const { problems } = payloadFrom("assessment", { weight_kg: "seventy", kit_present: true });
    assert.ok(problems.some((p) => p.field === "weight_kg" && /number/.test(p.message)));
    assert.ok(problems.some((p) => p.field === "kit_in_date"));
  });

  test("a reaction joins typed symptoms and says who was notified when", () => {
    const { payload, problems } = payloadFrom("reaction.observed", {
      symptoms: ["chills"], other_symptoms: "back ache", grade: "2", actions: ["paused"],
      notified_who: ["prescriber"], outcome: "improving",
    }, { occurredAt: "2025-03-04T10:00:00.000Z" });
    assert.deepEqual(problems, []);
    assert.deepEqual(payload, { symptoms: ["chills", "back ache"], grade: 2, actions: ["paused"], outcome: "improving",
      notified: [{ who: "prescriber", at: "2025-03-04T10:00:00.000Z" }] });
  });

  test("a signature needs the confirmation and states the signer", () => {
    assert.equal(payloadFrom("signature", { name: "Nora Quinn, RN" }).problems[0].field, "confirm");
    assert.deepEqual(payloadFrom("signature", { name: "Nora Quinn, RN", confirm: true }).payload,
      { role: "nurse", name: "Nora Quinn, RN", statement: "Electronically signed by Nora Quinn, RN" });
  });

  test("attempts are asked only for a new line", () => {
    const base = { type: "port", site: "chest", blood_return: true, flush_solution: "saline", flush_volume_ml: "10", findings: ["no_complications"] };
    assert.equal(payloadFrom("line.placed", { ...base, status: "existing", attempts: "x" }).problems.length, 0);
  });

  test("a saved payload fills its form again (to correct it)", () => {
    const payload = { symptoms: ["chills", "back ache"], grade: 2, actions: [], notified: [{ who: "pharmacist", at: "t" }], outcome: "resolved" };
    const values = valuesFrom("reaction.observed", payload);
    assert.deepEqual([values.symptoms, values.other_symptoms, values.grade, values.notified_who], [["chills"], "back ache", "2", ["pharmacist"]]);
  });

  test("a correction of a reaction keeps when each one was notified; someone added is notified now; a time entered is everyone's", () => {
    const [prescriber, pharmacist, now] = ["2026-12-06T07:40:20.000Z", "2026-12-06T08:05:00.000Z", "2026-12-06T09:30:00.000Z"];
    const payload = { symptoms: ["chills"], grade: 1, actions: ["slowed"], outcome: "ongoing",
      notified: [{ who: "prescriber", at: prescriber }, { who: "pharmacist", at: pharmacist }] };
    const values = valuesFrom("reaction.observed", payload);
    assert.equal(values.notified_at, "");  // not filled with "now"
    values.outcome = "resolved";
    const corrected = payloadFrom("reaction.observed", values, { occurredAt: now });
    assert.deepEqual([corrected.problems, corrected.payload.notified], [[], payload.notified]);  // not 09:30
    const added = payloadFrom("reaction.observed", { ...values, notified_who: ["prescriber", "pharmacist", "supervisor"] }, { occurredAt: now });
    assert.deepEqual(added.payload.notified, [...payload.notified, { who: "supervisor", at: now }]);
    const entered = payloadFrom("reaction.observed", { ...values, notified_at: toLocalInput(new Date("2026-12-06T07:50:00.000Z")) }, { occurredAt: now });
    assert.deepEqual(entered.payload.notified.map((n) => n.at), ["2026-12-06T07:50:00.000Z", "2026-12-06T07:50:00.000Z"]);
  });

  test("timeline text is plain and says location not verified", () => {
    assert.deepEqual(describeEntry("visit.started", { location: null }), { label: "Visit started", text: "location not verified" });
    assert.equal(describeEntry("vitals", { hr: 72, sbp: 120, dbp: 80, temp_c: 36.8 }).text, "HR 72 · BP 120/80 · T 36.8 °C");
  });

  test("the tablet's line says its side once and a removal its note; the visit's start names no order", () => {
    const line = { status: "new", type: "peripheral", gauge: 22, site: "forearm", side: "left", findings: ["no_complications"] };
    assert.equal(describeEntry("line.placed", line).text, "new peripheral 22 G, left forearm · no complications");
    assert.match(describeEntry("line.placed", { ...line, site: "Left hand" }).text, /, Left hand ·/);
    const removed = { reason: "patient_request", tip_intact: true, findings: [], note: "Asked to stop" };
    assert.equal(describeEntry("line.removed", removed).text, "patient request · tip intact yes · Asked to stop");
    assert.equal(describeEntry("visit.started", { patient_id: 1, order_id: 2, location: null }).text, "location not verified");
  });

  test("an opened bag or vial is named by its product, the id only where the reference does not list it", () => {
    const names = productNames({ products: { products: [{ product_id: "privigen-10", product_name: "Privigen 10%" }],
      products_without_rates: [{ product_id: "sodium-chloride-0.9", product_name: "Sodium chloride 0.9%" }] } });
    const bag = { product_id: "sodium-chloride-0.9", lot: "NS1", expiry: "2027-01-31", volume_ml: 500, inspected_ok: true, order_id: "12" };
    assert.equal(describeEntry("product.opened", bag, names).text,
      "Sodium chloride 0.9% lot NS1, exp. 2027-01-31, 500 mL, inspected yes · order 12");
    assert.match(describeEntry("product.opened", { ...bag, product_id: "other-9" }, names).text, /^other-9 lot NS1/);
  });
});

describe("the order a visit screen shows", () => {
  const reference = (context) => ({
    patients: [{ id: 7, given_name: "Bruno", family_name: "Keller" }],
    orders: [{ id: 12, product_id: "sodium-chloride-0.9", volume_ml: 1000, duration_min: 240, prescriber: "Dr. Phil Amari", revision: 3 }],
    visits: [{ id: "v1", patient_id: 7, order_id: 12, context }],
  });

  test("is the one the visit ran on: an edit after it ended leaves its screen as it was", () => {
    const { order } = visitRow(reference({ order: { id: "12", product_id: "sodium-chloride-0.9", volume_ml: 500, duration_min: 120 } }), "v1");
    assert.deepEqual([order.id, order.volume_ml, order.duration_min, order.prescriber], [12, 500, 120, "Dr. Phil Amari"]);
    assert.equal(orderAmount(order), "500 mL over 120 min");
  });

  test("keeps what each PRN order is for, which the context's copy does not carry", () => {
    const ref = reference({ order: { id: "12", product_id: "sodium-chloride-0.9", volume_ml: 500, duration_min: 120,
      prn_orders: [{ drug: "epinephrine", dose: 0.3, unit: "mg", route: "IM" }] } });
    ref.orders[0].prn_orders = [{ drug: "epinephrine", dose: 0.3, unit: "mg", route: "IM", indication: "anaphylaxis" }];
    assert.deepEqual(visitRow(ref, "v1").order.prn_orders, [{ drug: "epinephrine", dose: 0.3, unit: "mg", route: "IM", indication: "anaphylaxis" }]);
  });

  test("is the reference's row of it where the visit carries no context", () => {
    assert.equal(visitRow(reference(undefined), "v1").order.volume_ml, 1000);
  });
});

const assessed = (kit) => ({ time_in: "t", infusion: { status: "not_started" },
  entries: [{ kind: "assessment", payload: { kit_present: true, kit_in_date: true, kit_undamaged: true, identity: ["name", "birth_date"], ...kit } }] });

describe("the visit's gates", () => {
  test("without a passed kit check the infusion cannot start, and says why", () => {
    assert.match(kitGate({ entries: [] }).reason, /pre-assessment/);
    assert.match(kitGate(assessed({ kit_present: false })).reason, /No anaphylaxis kit/);
    assert.match(kitGate(assessed({ kit_in_date: false })).reason, /expired/);
    assert.match(availability(assessed({ kit_undamaged: false }))["infusion.started"], /damaged/);
    assert.equal(availability(assessed({}))["infusion.started"], null);
  });

  test("a paused infusion is resumed, not started again, and the start says so", () => {
    const paused = { ...assessed({}), infusion: { status: "paused" } };
    assert.match(availability(paused)["infusion.started"], /^The infusion is paused: resume it/);
    assert.equal(availability(paused)["infusion.resumed"], null);
    assert.equal(availability({ ...assessed({}), infusion: { status: "running" } })["infusion.started"], "The infusion is already running.");
  });

  test("an ended visit is not offered to be ended again; its late entries still are", () => {
    const ended = { ...assessed({}), time_out: "t2" };
    assert.equal(availability(ended)["visit.ended"], "The visit has ended.");
    assert.equal(availability(assessed({}))["visit.ended"], null);
    assert.equal(availability(ended).note, null);
  });

  test("the kit check gates a start where the rule book says so, and a missing product may be overridden", () => {
    const unassessed = { time_in: "t", infusion: { status: "not_started" }, entries: [] };
    assert.match(availability(unassessed)["infusion.started"], /pre-assessment/);  // by default the gate stands
    // saline alone: no kit check, but the patient's identity (a walk's pre-hydration started before it)
    assert.match(availability(unassessed, { kit: false })["infusion.started"], /pre-assessment \(the patient's identity\)/);
    assert.equal(availability(assessed({ kit_present: false }), { kit: false })["infusion.started"], null);
    const unready = availability(assessed({}), { unready: true });
    assert.match(unready["infusion.started"], /in-date product/);
    assert.equal(unready.override, true);
    assert.ok(!availability(unassessed, { unready: true }).override);  // the kit gate first: no override
  });

  test("the latest assessment decides (a corrected kit check opens the gate)", () => {
    const state = assessed({ kit_present: false });
    state.entries.push({ kind: "assessment", payload: { kit_present: true, kit_in_date: true, kit_undamaged: true } });
    assert.equal(kitGate(state).ok, true);
  });

  test("pump buttons follow the pump", () => {
    const running = { ...assessed({}), infusion: { status: "running" } };
    const off = availability(running);
    assert.equal(off["infusion.rate_changed"], null);
    assert.ok(off["infusion.resumed"]);
    assert.ok(off["infusion.started"]);
  });

  test("the recommended rate is the fold's next rate, else the first step", () => {
    assert.equal(recommendedRate({ infusion: { next_rate: { rate_ml_h: 70 } }, steps: [{ rate_ml_h: 35 }] }), 70);
    assert.equal(recommendedRate({ infusion: {}, steps: [{ rate_ml_h: 35 }] }), 35);
    // a step up not yet due is not put in the box; once due, it is
    const stepUp = { infusion: { next_rate: { action: 'increase', rate_ml_h: 70, due_at: '2025-03-04T10:20:00Z' } }, steps: [] };
    assert.equal(recommendedRate(stepUp, Date.parse('2025-03-04T10:18:59Z')), null);
    assert.equal(recommendedRate(stepUp, Date.parse('2025-03-04T10:19:18Z')), null);  // 42 s early is still early
    assert.equal(recommendedRate(stepUp, Date.parse('2025-03-04T10:20:00Z')), 70);
    // a lowering with no rate (a reaction at the first step) is the prescriber's: nothing in the box, not the first step
    assert.equal(recommendedRate({ infusion: { next_rate: { action: 'lower', rate_ml_h: null } }, steps: [{ rate_ml_h: 35 }] }), null);
    // the rate it runs at already is no rate to change to (a walk's bag: "250 to 250 mL/h" one tap from saved)
    assert.equal(recommendedRate({ infusion: { current_rate_ml_h: 140, next_rate: { action: 'hold', rate_ml_h: 140 } }, steps: [] }), null);
  });

  test("new alerts are those the entry added", () => {
    assert.deepEqual(newAlerts({ alerts: [{ id: "a" }] }, { alerts: [{ id: "a" }, { id: "b" }] }), [{ id: "b" }]);
  });
});

describe("lists and kept visits", () => {
  const reference = {
    visits: [{ id: "v2", patient_id: 1, order_id: 1, scheduled_at: "2025-03-04T14:00:00" },
      { id: "v1", patient_id: 1, order_id: 1, scheduled_at: "2025-03-04T08:00:00" },
      { id: "v3", patient_id: 1, order_id: 1, scheduled_at: "2025-03-06T08:00:00" }],
    patients: [{ id: 1 }], orders: [{ id: 1 }],
  };

  test("today's visits in time order, the rest apart", () => {
    const { today, other } = visitsByDay(reference, new Date("2025-03-04T12:00:00"));
    assert.deepEqual(today.map((r) => r.visit.id), ["v1", "v2"]);
    assert.deepEqual(other.map((r) => r.visit.id), ["v3"]);
  });

  test("a visit the server stops listing stays while the tablet holds its entries", () => {
    const next = { visits: [], patients: [], orders: [] };
    const kept = carryOver(reference, next, new Set(["v1"]), new Date("2025-03-05T00:00:00"));
    assert.deepEqual(kept.visits.map((v) => v.id), ["v1"]);
    assert.equal(kept.patients.length, 1);
    assert.deepEqual(carryOver(reference, next, new Set(["v1"]), new Date("2025-04-05T00:00:00")).visits, []);
  });
});

describe("the chart", () => {
  test("rate steps and vital signs land inside their bands, in time order", () => {
    const state = {
      time_in: "2025-03-04T09:00:00Z", protocol: { limit_ml_h: 350 }, infusion: { status: "running" },
      segments: [{ start: "2025-03-04T09:50:00Z", end: "2025-03-04T10:20:00Z", rate_ml_h: 35 },
        { start: "2025-03-04T10:20:00Z", end: null, rate_ml_h: 70 }],
      vitals: [{ at: "2025-03-04T09:05:00Z", hr: 72, sbp: 122, temp_c: 36.8 }, { at: "2025-03-04T10:05:00Z", hr: 90, temp_c: 38.4 }],
    };
    const model = chartModel(state, "2025-03-04T10:40:00Z", { width: 600, height: 300 });
    const [first, second] = model.rateSteps;
    assert.ok(first.x1 < first.x2 && first.x2 === second.x1 && second.y < first.y);
    assert.ok(model.hr[1].y < model.hr[0].y, "a higher heart rate is drawn higher");
    const { temp } = model.boxes;
    for (const p of model.temp) assert.ok(p.y >= temp.top && p.y <= temp.top + temp.height);
    assert.equal(chartModel({ segments: [], vitals: [] }, "2025-03-04T10:40:00Z"), null);
    assert.equal(model.rateMax, 400);  // the 350 limit and a tenth, up to a round top (not "385")
  });

  test("the rate axis tops out at a round number above the limit", () => {
    assert.deepEqual([433, 77, 1100, 11, 385].map(niceCeil), [450, 80, 1500, 15, 400]);
  });

  test("a time label at either edge of the chart hangs inward", () => {
    const state = { time_in: "2025-03-04T09:00:00Z", infusion: { status: "running" },
      segments: [{ start: "2025-03-04T09:10:00Z", end: null, rate_ml_h: 35 }], vitals: [] };
    const model = chartModel(state, "2025-03-04T10:30:00Z", { width: 600, height: 300 });
    assert.deepEqual(model.ticks.map((t) => t.anchor), ["start", "middle", "middle", "end"]);
  });

  test("a pause shades every row from its start to its end, or to now while it lasts", () => {
    const state = {
      time_in: "2025-03-04T09:00:00Z", protocol: { limit_ml_h: 350 }, infusion: { status: "paused" },
      segments: [{ start: "2025-03-04T09:10:00Z", end: "2025-03-04T09:40:00Z", rate_ml_h: 35 },
        { start: "2025-03-04T09:50:00Z", end: "2025-03-04T10:20:00Z", rate_ml_h: 35 }],
      pauses: [{ start: "2025-03-04T09:40:00Z", end: "2025-03-04T09:50:00Z", reason: "reaction" },
        { start: "2025-03-04T10:20:00Z", end: null, reason: "line_issue" }],
      vitals: [],
    };
    const model = chartModel(state, "2025-03-04T10:40:00Z", { width: 600, height: 300 });
    const [first, second] = model.rateSteps;
    const [reaction, line] = model.pauses;
    assert.deepEqual([reaction.x1, reaction.x2], [first.x2, second.x1]);  // the gap between the two runs
    assert.deepEqual([line.x1, line.x2, line.reason], [second.x2, model.nowX, "line_issue"]);  // open: to now
  });

  test("an additional order's pump is a line of its own, on the same axes, before the visit's own starts", () => {
    const state = {
      time_in: "2025-03-04T09:00:00Z", protocol: { limit_ml_h: 350 }, infusion: { status: "not_started" }, segments: [], vitals: [],
      other_orders: [{ order_id: "8", product_name: "Sodium chloride 0.9%", segments: [{ start: "2025-03-04T09:05:00Z", end: "2025-03-04T10:35:00Z", rate_ml_h: 333.3 }] }],
    };
    const model = chartModel(state, "2025-03-04T10:40:00Z", { width: 600, height: 300 });
    assert.deepEqual(model.rateSteps, []);
    const [saline] = model.otherSteps;
    assert.deepEqual([saline.orderId, saline.product, saline.steps.length], ["8", "Sodium chloride 0.9%", 1]);
    const { rate } = model.boxes;
    assert.ok(saline.steps[0].x1 < saline.steps[0].x2 && saline.steps[0].y >= rate.top && saline.steps[0].y <= rate.top + rate.height);
  });
});

describe("without the clinical rules", () => {
  test("the bare visit still shows its entries, times and the pump's state", async () => {
    const { plainState } = await import("../../pwa/visit_model.js");
    const ev = (id, kind, minute, payload = {}) => ({ id, kind, occurred_at: `2025-03-04T09:${String(minute).padStart(2, "0")}:00Z`, payload });
    const state = plainState([ev("c", "infusion.paused", 30, { reason: "other" }), ev("a", "visit.started", 0), ev("b", "infusion.started", 10, { rate_ml_h: 35 })]);
    assert.equal(state.status, "in_progress");
    assert.equal(state.time_in, "2025-03-04T09:00:00Z");
    assert.equal(state.infusion.status, "paused");
    assert.deepEqual(state.entries.map((e) => e.event_id), ["a", "b", "c"]);
    assert.deepEqual(state.alerts, []);
  });
});

describe("the series line's words (pwa/lazy/series_line.js, as on the review page)", async () => {
  const { seriesTitle } = await import("../../pwa/lazy/series_line.js");
  test("a first infusion says why; a later one its number and protocol", () => {
    assert.equal(seriesTitle({ kind: "first", reason: "product_switch", number: 1 }, 56), "First infusion (product switch)");
    assert.equal(seriesTitle({ kind: "first", reason: "long_gap", number: 1 }, 56), "First infusion (gap over 56 days)");
    assert.equal(seriesTitle({ kind: "first", reason: "first_ever", number: 1 }, 56), "First infusion (no earlier infusion)");
    assert.equal(seriesTitle({ kind: "subsequent", number: 3, protocol_infusion: "subsequent" }, 56),
      "Infusion 3 of series (subsequent protocol)");
    assert.equal(seriesTitle({ kind: "subsequent", number: 2, protocol_infusion: "every" }, 56),
      "Infusion 2 of series (same protocol every infusion)");
  });
});
