// Pure questions the visit screen asks of the reference and of the folded state (the object
// rules.js `foldTimeline` returns, the same as the server's `state`), and the seam that folds it.

import { num, sameDay } from "./format.js";
import * as rules from "./rules.js";
import { judged } from "./orders_in_force.js";

export function patientName(patient) {
  return patient ? `${patient.given_name} ${patient.family_name}` : "Unknown patient";
}

/** `{visit, patient, order}` for one visit of the reference, or null. The order is the one the visit's
 *  context folds with: as it stood when the visit ended (an edit for the next visit, or an order since
 *  made inactive, leaves an ended visit's screen as it ran), over the reference's row of it. */
export function visitRow(reference, visitId) {
  const visit = (reference?.visits || []).find((v) => v.id === visitId);
  if (!visit) return null;
  const patient = reference.patients.find((p) => p.id === visit.patient_id) || null;
  const listed = reference.orders.find((o) => o.id === visit.order_id) || null;
  const ran = visit.context?.order;
  const order = ran ? { ...listed, ...ran, id: visit.order_id, prn_orders: withIndications(ran.prn_orders, listed?.prn_orders) } : listed;
  return { visit, patient, order };
}

// The context's PRN orders carry no indication (what each is for); the reference's row of the order does.
const withIndications = (ran = [], listed = []) => ran.map((p) => ({
  ...listed.find((l) => l.drug === p.drug && l.dose === p.dose && l.unit === p.unit && l.route === p.route), ...p }));

/** `{today, other}`: the reference's visits scheduled today, and the other open ones, in time order. */
export function visitsByDay(reference, now) {
  const rows = [...(reference?.visits || [])]
    .sort((a, b) => String(a.scheduled_at).localeCompare(String(b.scheduled_at)))
    .map((v) => visitRow(reference, v.id));
  const today = rows.filter((row) => row.visit.scheduled_at && sameDay(row.visit.scheduled_at, now));
  return { today, other: rows.filter((row) => !today.includes(row)) };
}

/** What an order gives, as the pharmacist wrote it: a volume over a time (hydration), else grams and g/kg. */
export function orderAmount(order) {
  return order.volume_ml != null ? `${num(order.volume_ml)} mL over ${num(order.duration_min)} min`
    : `${num(order.dose_g)} g (${num(order.dose_g_per_kg)} g/kg)`;
}

/** `[[product_id, product_name], ...]`, each product once, from the reference's protocol list and its
 *  products without label rates (an IVIG whose order gives the steps, a saline bag for hydration). */
export function productOptions(reference) {
  const seen = new Map();
  const { products = [], products_without_rates: unrated = [] } = reference?.products || {};
  for (const p of [...products, ...unrated]) if (!seen.has(p.product_id)) seen.set(p.product_id, p.product_name);
  return [...seen.entries()];
}

/** The product choices of a visit: its orders' products first, marked so, then the rest of the catalogue (a walk
 *  hunted the ordered one among 17). */
export function productChoices(reference, orders) {
  const ordered = [...new Set(orders.filter(Boolean).map((o) => o.product_id))];
  const all = productOptions(reference), names = new Map(all);
  return [...ordered.filter((id) => names.has(id)).map((id) => [id, `${names.get(id)} · ordered`]),
    ...all.filter(([id]) => !ordered.includes(id))];
}

/** The visit's additional orders as its context folds with them (a pre-hydration, a second product). */
export const otherOrdersOf = (visit) => visit?.context?.other_orders ?? [];

/** "Sodium chloride 0.9% · 500 mL over 120 min", "Privigen 10% · 82 g": an order on a card or a header. */
export function orderLine(order, names) {
  return `${names.get(order.product_id) || order.product_id} · ${order.volume_ml != null ? orderAmount(order) : `${num(order.dose_g)} g`}`;
}

/** product id -> name, for the words of an entry (describe.js). */
export const productNames = (reference) => new Map(productOptions(reference));

function latestEntry(state, kind) {
  const found = (state?.entries || []).filter((e) => e.kind === kind);
  return found.length ? found[found.length - 1] : null;
}

/** The anaphylaxis-kit hard gate (CLINICAL 1.3): `{ok}` or `{ok: false, reason}`. */
export function kitGate(state) {
  const assessment = latestEntry(state, "assessment");
  if (!assessment) return { ok: false, reason: "Record the pre-assessment (anaphylaxis kit check) first." };
  const p = assessment.payload;
  if (!p.kit_present) return { ok: false, reason: "No anaphylaxis kit: the infusion must not start." };
  if (!p.kit_in_date) return { ok: false, reason: "The anaphylaxis kit is expired: the infusion must not start." };
  if (!p.kit_undamaged) return { ok: false, reason: "The anaphylaxis kit is damaged: the infusion must not start." };
  return { ok: true };
}

/** Every start waits for a pre-assessment that confirmed who the patient is, whether or not the kit rule covers
 *  its order: a walk's pre-hydration could start before anyone had checked the patient's identity. */
export function identityGate(state) {
  const assessment = latestEntry(state, "assessment");
  if (!assessment) return { ok: false, reason: "Record the pre-assessment (the patient's identity) first." };
  if ((assessment.payload.identity || []).length < 2) {
    return { ok: false, reason: "Confirm the patient's identity (two identifiers) at the pre-assessment first." };
  }
  return { ok: true };
}

/** Why a start waits now, or `{ok: true}`: the identity always, the kit where its rule covers the order. */
export function startGate(state, { kit = true } = {}) {
  return [kit ? kitGate(state) : { ok: true }, identityGate(state)].find((gate) => !gate.ok) ?? { ok: true };
}

/** True when the latest line entry removed it (no line placed after the removal). */
function lineRemoved(state) {
  const lines = (state?.entries || []).filter((e) => e.kind === "line.placed" || e.kind === "line.removed");
  return lines.at(-1)?.kind === "line.removed";
}

/** Where the pump stands: "not_started" | "running" | "paused" | "stopped". */
export function pumpState(state) {
  return state?.infusion?.status || "not_started";
}

/** Which entry buttons make sense now, and why the others are off: `{kind: null | reason}`. `kit`: the
 * anaphylaxis-kit check gates the start (Clinical.kitGates: not before saline alone), the identity check every
 * start (identityGate); nothing overrides either;
 * `unready`: a start now would have no usable product (the fold's start_not_ready), which an override may pass. */
export function availability(state, { kit = true, unready = false } = {}) {
  const pump = pumpState(state);
  const gate = startGate(state, { kit });
  if (gate.ok && unready) Object.assign(gate, { ok: false, override: true, reason: "Record an opened, inspected, in-date product of the order first." });
  const notStarted = state?.time_in ? null : "Start the visit first.";
  const notRunning = pump === "running" ? null : "The infusion is not running.";
  const off = {};
  for (const kind of ["assessment", "line.placed", "line.assessed", "product.opened", "medication.given", "vitals",
    "reaction.observed", "note", "education", "line.removed", "line.left_in_place", "signature", "visit.ended"]) {
    off[kind] = notStarted;
  }
  off["infusion.started"] = notStarted || (state.time_out ? "The visit has ended."
    : pump === "running" ? "The infusion is already running."
      : pump === "paused" ? "The infusion is paused: resume it (Resume), do not start it again." : gate.ok ? null : gate.reason);
  off["visit.ended"] = notStarted || (state.time_out ? "The visit has ended." : null);  // a walk ended it twice
  // once the line is out, its checks and its removal are not offered until a line is placed again (a walk was
  // offered "Line check" after the line was removed and the visit ended)
  const out = lineRemoved(state) ? "The line was removed." : null;
  for (const kind of ["line.assessed", "line.removed", "line.left_in_place"]) off[kind] = notStarted || out;
  off["infusion.rate_changed"] = notRunning;
  off["infusion.paused"] = notRunning;
  off["infusion.resumed"] = pump === "paused" ? null : "The infusion is not paused.";
  off["infusion.stopped"] = pump === "paused" ? null : notRunning;
  off.override = gate.override && off["infusion.started"] === gate.reason;
  return off;
}

/** The rate the protocol recommends for this entry (start, next step, resume), or null. A step up due more
 *  than a minute from now is not offered in the box (a walk saved it 26 minutes early with two taps): the
 *  banner says when it is. Nor is the rate the pump runs at already: Save was one tap from recording a change
 *  of nothing (a walk's hydration at 250 mL/h "changed" to 250 mL/h). */
export function recommendedRate(state, now = Date.now()) {
  const offered = adviceRate(state, now);
  return offered !== null && offered === state?.infusion?.current_rate_ml_h ? null : offered;
}

function adviceRate(state, now) {
  const next = state?.infusion?.next_rate;
  // a step up goes in the box once due, not before (one prefilled 42 s early was then called a breach: a walk)
  if (next?.action === "increase" && next.due_at && Date.parse(next.due_at) > now) return null;
  if (next?.action === "lower" && next.rate_ml_h == null) return null; // the prescriber's rate, not the app's
  if (next && next.rate_ml_h != null) return next.rate_ml_h;
  return state?.steps?.[0]?.rate_ml_h ?? null;
}

/** Alerts present after an entry that were not there before it (what the entry would trigger). */
export function newAlerts(before, after) {
  const known = new Set((before?.alerts || []).map((a) => a.id));
  return (after?.alerts || []).filter((a) => !known.has(a.id));
}

/** The suggested actions for a reaction grade, from the rule book's reaction tiers. */
export function reactionTier(rulesDoc, grade) {
  return (rulesDoc?.reaction_tiers || []).find((tier) => tier.grades.includes(Number(grade))) || null;
}

const SEVERITY_ORDER = { critical: 0, warning: 1, info: 2 };

export function sortedAlerts(alerts) {
  return [...(alerts || [])].sort((a, b) => (SEVERITY_ORDER[a.severity] ?? 3) - (SEVERITY_ORDER[b.severity] ?? 3));
}

/** The entry an amendment targets may be amended only with its own kind's form. */
export function amendable(entry) {
  return !["visit.started", "entry.amended", "entry.voided", "review.signed", "review.intervention"].includes(entry.kind);
}

const PUMP_AFTER = {
  "infusion.started": "running", "infusion.rate_changed": "running", "infusion.resumed": "running",
  "infusion.paused": "paused", "infusion.stopped": "stopped",
};

/**
 * The bare visit when rules.js cannot run (the screen then says alerts are unavailable): entries in
 * time order, time in and out, where the pump stands. No alerts, no rate advice, corrections unapplied.
 */
export function plainState(events) {
  const at = (e) => new Date(e.occurred_at).getTime();
  const sorted = [...events].sort((a, b) => at(a) - at(b));
  const first = (kind) => sorted.find((e) => e.kind === kind);
  const kinds = new Set(sorted.map((e) => e.kind));
  const pumpEvents = sorted.filter((e) => PUMP_AFTER[e.kind]);
  const signed = sorted.some((e) => e.kind === "signature" && e.payload.role === "nurse");
  return {
    status: signed ? "signed" : kinds.has("visit.ended") ? "completed" : sorted.length ? "in_progress" : "scheduled",
    time_in: first("visit.started")?.occurred_at ?? null,
    time_out: first("visit.ended")?.occurred_at ?? null,
    infusion: { status: pumpEvents.length ? PUMP_AFTER[pumpEvents.at(-1).kind] : "not_started", next_rate: null },
    steps: [], segments: [], vitals: [], alerts: [], voided: [], next_vitals_due_at: null,
    entries: sorted.filter((e) => !e.kind.startsWith("entry.")).map((e) => ({
      event_id: e.id, kind: e.kind, occurred_at: e.occurred_at, payload: e.payload, amended: false, history: [],
    })),
  };
}

// The seam between the screens and rules.js (the tablet's copy of the server's clinical maths and
// alert rules, held to the same test vectors): contexts per visit, the fold, the payload check.

class Clinical {
  constructor(reference, cel, orders = null) {
    this.reference = reference;
    this.orders = orders; // the additional orders' part of the fold (lazy), for a visit of several orders
    this.catalog = rules.loadCatalog(reference.products);
    this.rulebook = rules.loadRulebook(reference.rules, cel);
    this.contexts = new Map(); // visit id -> {key, context}
    this.unreadable = false; // set when a newer reference could not be read at all: this engine stays
  }

  /** Rules of the received set that this tablet's code cannot evaluate: `[{id, reason}]`. */
  get skipped() {
    return this.rulebook.skipped;
  }

  /** The rules sent are newer than this tablet's code: a reload brings the code for all of them. */
  get updateWaiting() {
    return this.unreadable || this.rulebook.update_waiting;
  }

  context(visit) {
    const key = JSON.stringify(visit.context);
    const cached = this.contexts.get(visit.id);
    if (cached && cached.key === key) return cached.context;
    const context = rules.makeContext(visit.context, {
      catalog: this.catalogOf(visit.context), rulebook: this.rulebook, ranges: this.reference.ranges,
      orders: this.orders,
    });
    this.contexts.set(visit.id, { key, context });
    return context;
  }

  /** The catalogue the visit began under: the server sends with a visit the rows a pharmacist's edit
   * has changed since it began (`protocol_rows`), so the tablet folds it as the server does. */
  catalogOf(contextJson) {
    const rows = contextJson.protocol_rows ?? {};
    if (Object.keys(rows).length === 0) return this.catalog;
    const products = this.reference.products;
    return rules.loadCatalog({ ...products, products: products.products.map((row) => rows[row.protocol_id] ?? row) });
  }

  /** The visit's state (the server's `state` shape) from its events, at `now` (a Date); a visit whose orders
   * were edited while it ran has each entry judged by the orders in force when it was made (orders_in_force.js). */
  fold(visit, events, now) {
    const state = rules.foldTimeline(events, this.context(visit), { now });
    const earlier = visit.context?.earlier ?? [];
    if (!earlier.length) return state;
    const folds = earlier.map((then, index) => rules.foldTimeline(events, this.context({
      id: `${visit.id} until ${index}`, context: { ...visit.context, order: then.order, other_orders: then.other_orders, earlier: [] },
    }), { now }));
    return judged(state, folds, earlier.map((then) => rules.parseInstant(then.until)), events, this.rulebook);
  }

  /** Problems `[{field, message, code}]` with a payload about to be saved. */
  check(kind, payload) {
    return rules.checkPayload(kind, payload, this.reference.ranges);
  }

  /** Whether the anaphylaxis-kit check gates a start of this order's pump (null: the visit's own order's):
   * the rule book's kit_missing covers its therapy and protocol kind. Enabled or not: the rule book says
   * which pumps the gate is for, and nothing overrides the gate; a rule book without the rule keeps it. */
  kitGates(visit, orderId = null) {
    const spec = this.rulebook.rules.kit_missing;
    const context = this.context(visit);
    const protocol = orderId === null ? context.protocol : context.other_protocols[context.other_orders.findIndex((o) => o.id === orderId)];
    if (!spec || !protocol) return true;
    return spec.applies_to.therapies.includes(protocol.therapy) && spec.applies_to.protocol_kinds.includes(protocol.kind);
  }

  /** Alerts that `candidate` (an event not yet saved) would add to the visit. */
  preview(visit, events, candidate, now) {
    const before = this.fold(visit, events, now);
    const after = this.fold(visit, [...events, candidate], now);
    return newAlerts(before, after);
  }
}

/** The CEL interpreter of the threshold rules (loaded once, on demand), or null when it cannot load:
 * then the expression rules are skipped, listed and an update is shown waiting (never no engine). */
async function expressionLanguage() {
  try {
    return await rules.loadExpressionLanguage();
  } catch (error) {
    console.error("ivlog: the rules' expression language could not load", error);
    return null;
  }
}

/** The clinical seam for a reference. A reference the rules cannot read at all keeps the `previous`
 * engine (marked: an update is waiting); null only when there was none (the screen says so). */
export async function clinicalFor(reference, previous = null) {
  if (!reference) return null;
  const cel = await expressionLanguage();
  const several = (reference.visits ?? []).some((visit) => visit.context?.other_orders?.length);
  const orders = several ? await rules.loadOtherOrders() : null;
  try {
    return new Clinical(reference, cel, orders);
  } catch (error) {
    console.error("ivlog: the clinical rules could not read the reference", error);
    if (previous) previous.unreadable = true;
    return previous;
  }
}
