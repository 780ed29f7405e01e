// The read-only panels of the visit screen: patient header, alerts, infusion status with the next
// step and its countdown, next vital signs due, the entries the server refused, the chart and the
// timeline.

import { describe } from "../describe.js";
import { clock, dayClock, num, sameDay } from "../format.js";
import { amendable, orderAmount, orderLine, patientName, pumpState, sortedAlerts } from "../visit_model.js";
import { button, h } from "./dom.js";

// The pharmacy's risk flags, in the nurse's sight from the visit's first screen: a walk's IgA-deficient patient
// showed only "Allergies: none on record" (CLINICAL.md s.4: anaphylaxis in IgA-deficient patients).
const RISKS = [["iga_deficiency", "IgA deficiency: watch for anaphylaxis (CLINICAL.md s.4)"],
  ["thrombosis_risk", "thrombosis"], ["renal_risk", "renal"]];
export const riskFlags = (patient) => RISKS.filter(([name]) => patient?.[name] === true).map(([, words]) => words);

// `others`: the visit's additional orders, each on a line of its own under the visit's order.
export function header({ patient, order, others = [], names = new Map(), state, sync }) {
  // empty is "not on record", not "no known allergies" (a walk read it both ways)
  const allergies = patient?.allergies ? `Allergies: ${patient.allergies}` : "Allergies: none on record: ask the patient";
  const risks = riskFlags(patient);
  return h("header.visit-head", { testid: "visit-head" },
    h("div.who",
      h("h1", { testid: "patient-name" }, patientName(patient)),
      h("p.muted", `${patient?.mrn || ""} · born ${patient?.birth_date || "?"} · dosing weight ${num(order?.dosing_weight_kg)} kg`),
      h(patient?.allergies ? "p.allergy" : "p.muted", allergies),
      risks.length ? h("p.allergy", { testid: "risk-flags" }, `Risk: ${risks.join(" · ")}`) : null),
    h("div.what",
      h("p", state?.protocol?.product_name || order?.product_id || ""),
      h("p.muted", order ? `${orderAmount(order)} · ${order.indication}` : ""),
      others.map((o) => h("p.muted", { testid: "visit-other-order" }, `With order ${o.id}: ${orderLine(o, names)}`)),
      h(`p.status.status-${state?.status}`, { testid: "visit-status" }, (state?.status || "").replace("_", " ")),
      state?.protocol?.verified_on ? h("p.muted", { testid: "protocol-verified" }, `Protocol verified ${state.protocol.verified_on}`) : null,
      state?.time_in ? h("p.muted", { testid: "visit-times" }, `In ${clock(state.time_in)}${state.time_out ? ` · out ${clock(state.time_out)}` : ""}${
        state.location_verified === false ? " · location not verified" : ""}`) : null),
    h("div.visit-sync", { testid: "visit-sync" },
      h(sync.pending ? "span.badge.pending" : "span.badge.ok", { testid: "visit-pending" },
        sync.pending ? `${sync.pending} not yet synced` : sync.quarantined ? "all sent" : "all synced"),
      sync.syncedAt ? h("span.muted.small", `last synced ${clock(sync.syncedAt)}`) : null,
      sync.quarantined ? h("span.badge.danger", `${sync.quarantined} need correction`) : null));
}

// The pharmacy revised the visit's orders while it ran: what changed and when, kept in sight for the rest of it.
export function revisionsBanner(revisions) {
  if (!revisions.length) return null;
  return h("div.alert.warning", { role: "status", testid: "order-revised" },
    h("strong", "Order revised during this visit"),
    revisions.map((r) => h("p", { testid: "order-revision" }, `${clock(r.until)}, order ${r.order_id}: ${r.changes.join("; ")}.`)),
    h("p.muted.small", "Entries made before a revision are judged by the order as it stood then."));
}

// A label protocol no pharmacist of the organization has verified (the reference's row has no verified_on),
// or a product without verified rates at all (the visit runs on the order's own steps).
export function protocolBanner(state) {
  const p = state?.protocol;
  if (p?.rates_note) {
    return h("p.alert.warning", { role: "status", testid: "unverified-protocol" }, h("strong", "Rates not verified"),
      `: ${p.product_name}: ${p.rates_note}. Run the order's mL/h steps; no label maximum bounds them.`);
  }
  return p?.basis === "label" && !p.verified_on ? h("p.alert.warning", { role: "status", testid: "unverified-protocol" },
    h("strong", "Unverified protocol"), ": no pharmacist has checked these steps against the label yet. Follow the order and "
      + "the step advice as usual; call the pharmacy if a step looks wrong.") : null;
}

/** The rules sent are newer than this tablet's code: it checks what it can and lists what it cannot. */
function rulesUpdateNotice(skipped) {
  return h("div.alert.warning", { role: "status", testid: "rules-update" },
    h("strong", "Clinical rules update waiting — reload when the visit allows."),
    skipped.length ? ` Not checked on this tablet until then: ${skipped.map((s) => s.id).join(", ")}.` : null);
}

// Where the rule's numbers come from (rules.json `source`), one tap away: a nurse weighing an alert at the
// bedside can see it is CLINICAL.md's or the label's, not the tablet's own idea.
function sourceOf(source) {
  return source ? h("details.alert-source", { testid: "alert-source" }, h("summary", "Source"), h("p", source)) : null;
}

/** `sources`: rule id -> its source (the reference's rules file). */
export function alertsPanel(state, { offline, rulesMissing, rulesUpdate = null, sources = new Map() }) {
  if (rulesMissing) {
    return h("section.alerts", { role: "alert" }, h("p.alert.critical",
      "Clinical rules could not be loaded on this tablet: alerts and rate advice are NOT shown. Reload when online."));
  }
  const alerts = sortedAlerts(state?.alerts);
  const entries = new Map((state?.entries || []).map((e) => [e.event_id, e]));
  const notice = rulesUpdate ? rulesUpdateNotice(rulesUpdate) : null;
  if (alerts.length === 0) return h("section.alerts.none", { testid: "alerts" }, notice, h("p.muted", "No alerts."));
  return h("section.alerts", { role: "alert", testid: "alerts" }, notice,
    h("h2", `${alerts.length} alert${alerts.length > 1 ? "s" : ""}${offline ? " (checked on this tablet, offline)" : ""}`),
    h("ul", alerts.map((a) => h(`li.alert.${a.severity}`, { dataset: { rule: a.rule, alertId: a.id }, testid: "alert" },
      h("strong", a.severity === "critical" ? "CRITICAL " : "Warning "), a.message, entryOf(entries.get(a.event_ids[0])),
      sourceOf(sources.get(a.rule))))));
}

// The entry an alert is about, by its label and time: two alerts of one rule (two missed sets of vital signs)
// read apart, and the nurse finds the entry in the timeline.
function entryOf(entry) {
  return entry ? h("span.alert-entry", { testid: "alert-entry" }, ` — ${describe(entry.kind, entry.payload).label}, ${clock(entry.occurred_at)}`) : null;
}

// Why the step advice stops below the protocol's next step (state.infusion.next_rate.held_by).
const HELD_TEXT = { pharmacist: "the pharmacist's rate for this infusion", last_reaction: "last infusion's reaction came at a higher rate" };

const ACTION_TEXT = {
  start: "Start at", increase: "Next step", maintain: "Stay at", hold: "Hold: reaction ongoing", resume: "Resume at",
  lower: "Lower the rate to", reduce_to_limit: "Reduce to the limit", complete: "Ordered dose given: stop the infusion",
  interrupt: "Pause the infusion now: this reaction's grade calls for stopping it, not slowing it",
};

function actionText(next, order, pump) {
  if (order?.volume_ml != null && next.action === "complete") return "Ordered volume given: stop the infusion";
  if (order?.volume_ml != null && next.action === "increase") return "Back to the order's rate";  // a bag: no next step (a walk)
  // after a reaction that passed at the first step, no step lies below it: the rate is the prescriber's (a walk was
  // advised the start rate, then told it broke the protocol)
  if (next.action === "lower" && next.rate_ml_h == null) {
    const paused = pump === "paused";
    return `${paused ? "Resume" : "Run"} below the first step only at a rate the prescriber gives: call before ${paused ? "resuming" : "going on"}`;
  }
  if (pump === "paused" && next.action === "lower") return "Resume lower, at"; // after a reaction that passed
  return ACTION_TEXT[next.action] || next.action;
}

// Given against the order: mL of the ordered volume for a fixed dose (hydration), else grams; the mL the
// grams are counted from, by their basis (a walk read "282.1 mL infused · 28 of 28 g" beside a pump's 280).
const BASIS_TEXT = { pump: "by the pump", computed: "infused", opened: "given (all the product opened)" };
// Once stopped short of the order, what was not given is said (a walk's 2% stop read only "1.4 of 82 g").
export function givenText(infusion, order, stopped = false) {
  const given = num(infusion.volume_given_ml ?? infusion.volume_infused_ml, 1) || 0;
  const basis = BASIS_TEXT[infusion.grams_basis] || "infused";
  if (order?.volume_ml != null) {
    const left = stopped ? order.volume_ml - (infusion.volume_given_ml ?? infusion.volume_infused_ml ?? 0) : 0;
    return `${given} of ${num(order.volume_ml)} mL ${basis}${left > 0 ? ` · ${num(left, 1)} mL not given` : ""}`;
  }
  const left = stopped && infusion.grams_ordered != null ? infusion.grams_ordered - (infusion.grams_given ?? 0) : 0;
  return `${given} mL ${basis} · ${num(infusion.grams_given)} of ${num(infusion.grams_ordered)} g${left > 0 ? ` · ${num(left)} g not given` : ""}`;
}

// A time today as its clock, another day's with the day (at a slow rate the end is days away: a walk read it as today).
const when = (iso) => (sameDay(iso, new Date()) ? clock(iso) : dayClock(iso));

// `onResolved`: records that the ongoing reaction resolved (null: none is ongoing).
export function infusionPanel(state, order, onResolved = null, outcome = "ongoing") {
  const infusion = state?.infusion || {};
  const pump = pumpState(state);
  const next = infusion.next_rate;
  const step = state?.steps?.find((s) => s.index === next?.step_index);
  const end = infusion.expected_end;
  return h("section.infusion", { testid: "infusion-panel" },
    h("div.pump",
      h("span.big-number", { testid: "current-rate" }, infusion.current_rate_ml_h != null ? `${num(infusion.current_rate_ml_h)} mL/h` : "—"),
      h(`span.pump-state.pump-${pump}`, pump.replace("_", " ")),
      h("span.muted", { testid: "given" }, givenText(infusion, order, pump === "stopped"))),
    next ? h(`div.next-step.action-${next.action}`, { testid: "next-step" },
      h("span", actionText(next, order, pump), " "),
      next.rate_ml_h != null ? h("strong", { testid: "next-rate" }, `${num(next.rate_ml_h)} mL/h`) : null,
      step && state.protocol?.kind !== "fixed_dose" ? h("span.muted", ` (step ${step.index + 1} of ${state.steps.length}, ${num(step.ml_kg_h)} mL/kg/h)`) : null,
      // a countdown to a step up; a pause or a lowering is for now, said in its own words (a walk read "… due now")
      next.due_at && next.action === "increase" && state.protocol?.kind !== "fixed_dose" ? h("span.countdown", { dataset: { due: next.due_at }, testid: "next-step-countdown" }) : null,
      next.held_by ? h("span.held", { testid: "next-step-held" }, ` · held: ${HELD_TEXT[next.held_by]}`) : null,
      h("span.muted.small", ` · limit ${num(next.limit_ml_h)} mL/h`)) : null,
    // as the nurse recorded it: "improving" read as "ongoing" contradicted her entry (a walk)
    onResolved ? h("div.reaction-open", h("span", `A reaction is recorded as ${outcome}. When it has passed, record when: `),
      button("Reaction resolved", onResolved, { kind: "small", testid: "reaction-resolved" })) : null,
    end ? h("div", { testid: "expected-end" },
      `${order?.volume_ml != null ? "Volume" : "Dose"} given by ${when(end.on_plan)} on the plan (${when(end.at_current_rate)} at this rate)`) : null,
    state?.next_vitals_due_at ? h("div.next-vitals", { testid: "next-vitals" },
      h("span", "Vital signs due "), h("strong", clock(state.next_vitals_due_at)), " ",
      h("span.countdown", { dataset: { due: state.next_vitals_due_at } })) : null);
}

/** Entries the server refused, with its reason; `onCorrect(item)` (null when it has no form) fixes one. */
// `offReason(item)`: why its correction cannot be saved now (null: it can), shown beside the disabled button.
export function correctionsPanel(items, onCorrect, offReason = () => null, names = new Map()) {
  if (items.length === 0) return null;
  return h("section.corrections", { role: "alert", testid: "needs-correction" },
    h("h2", "Needs correction"),
    h("p.muted", "The server kept these entries aside. Correct them: the corrected entry is sent as a new entry."),
    h("ul", items.map((item) => {
      const { label, text } = describe(item.event.kind, item.event.payload, names);
      return h("li", { testid: "quarantined-item" },
        h("p", h("strong", `${clock(item.event.occurred_at)} ${label}: `), text),
        h("p.reason", { testid: "quarantine-reason" }, item.local.reason || item.local.code),
        onCorrect(item) ? button("Correct", onCorrect(item), { kind: "small", testid: "correct", reason: offReason(item) }) : null);
    })));
}

// The visit's timeline: every entry newest first, with its sync state, and for a corrected entry
// its original and every amendment (corrections never hide what was first recorded).

// The line of an entry: its time, label and text, then `more` (badges, a button, a reason).
const entryMain = (at, label, text, ...more) =>
  h("div.entry-main", h("span.entry-time", clock(at)), h("span.entry-label", label), h("span.entry-text", text), more);
const reasonOf = (reason) => h("span.history-reason", ` · reason: ${reason}`);

function historyOf(entry, names) {
  if (!entry.history || entry.history.length === 0) return null;
  return h("ol.history", { testid: "entry-history" }, entry.history.map((version) => {
    const { text } = describe(entry.kind, version.payload, names);
    const what = version.change === "original" ? "Original" : `Amended ${clock(version.recorded_at)}${version.applied ? "" : " (not applied)"}`;
    return h(version.change === "original" ? "li.original" : "li.amendment",
      h("span.history-what", `${what}: `), text,
      version.reason ? reasonOf(version.reason) : null);
  }));
}

function entryRow(entry, { pending, onAmend, canAmend, alertIds, authorId, names }) {
  const { label, text } = describe(entry.kind, entry.payload, names);
  const badges = [
    pending.has(entry.event_id) ? h("span.badge.pending", "not yet synced") : null,
    entry.amended ? h("span.badge.amended", "corrected") : null,
    alertIds.has(entry.event_id) ? h("span.badge.flagged", "alert") : null,
  ];
  return h("li.entry", { dataset: { kind: entry.kind, eventId: entry.event_id }, testid: "timeline-entry" },
    entryMain(entry.occurred_at, label, text, badges,
      amendable(entry) && onAmend && canAmend(entry) && entry.author_id === authorId
        ? button("Correct", () => onAmend(entry), { kind: "small secondary amend", testid: "amend" }) : null),
    historyOf(entry, names));
}

function voidedRow(item, names) {
  const { label, text } = describe(item.kind, item.payload, names);
  return h("li.entry.voided", { testid: "timeline-voided" }, entryMain(item.occurred_at, `${label} (voided)`, text, reasonOf(item.reason)));
}

// Only the author corrects an entry, and only where rules.json entry_authority lets her (`canAmend`: a signature
// never): others' entries offer no button. `names`: product id -> name (visit_model.productNames).
export function timeline(state, { pendingIds, onAmend, canAmend = () => true, authorId, names }) {
  const entries = [...(state.entries || [])].reverse();
  if (entries.length === 0) return h("p.muted", "No entries yet.");
  const alertIds = new Set((state.alerts || []).flatMap((a) => a.event_ids));
  return h("div",
    h("ol.timeline", { testid: "timeline" }, entries.map((e) => entryRow(e, { pending: pendingIds, onAmend, canAmend, alertIds, authorId, names }))),
    (state.voided || []).length ? h("ol.timeline.voided-list", state.voided.map((item) => voidedRow(item, names))) : null);
}

