// Each entry judged by the orders in force when it was made (port of server/services/orders_in_force.py).
// A pharmacist may edit an order while its visit runs: the visit follows the edit from then on, but what the
// nurse did before it was done under the order as it stood then. The server sends with such a visit the
// orders in force before each edit (`context.earlier`: [{until, order, other_orders}]); the visit is folded
// once more with each, and each alert is taken from the fold of its entry's moment (rules.json `judged`):
// when_made, the orders in force when the entry was made; while_running (the rate against its limit), those
// in force at any moment the rate ran, named by the latest; when_closed (vital signs overdue), those in force
// when the next check closed the interval; at_the_end (a total: dose, volume), the last.

import * as rules from "./rules.js";

const ms = (text) => (text === null || text === undefined ? null : rules.parseInstant(text));
const atMost = (edits, moment) => edits.filter((edit) => edit <= moment).length; // Python's bisect_right
const below = (edits, moment) => edits.filter((edit) => edit < moment).length; // bisect_left

// When each entry was made: the tablet's clock, held to the moment the server received it.
function madeAt(events) {
  return new Map(events.map((e) => {
    const occurred = ms(e.occurred_at);
    const received = ms(e.received_at);
    return [e.id, received === null ? occurred : Math.min(occurred, received)];
  }));
}

// When each rate entry's pump stopped running at it (null: it still runs), on every pump.
function segmentEnds(state) {
  const segments = [...state.segments, ...(state.other_orders ?? []).flatMap((run) => run.segments)];
  return new Map(segments.map((segment) => [segment.event_id, ms(segment.end)]));
}

// The folds (0: until the first edit ... edits.length: the last) whose verdict on `alert` stands: [from, to].
function windows(alert, judgedBy, made, ends, checks, edits) {
  const moment = made.get(alert.event_ids[0]);
  const last = edits.length;
  if (moment === undefined || judgedBy === "at_the_end") return [last, last];
  if (judgedBy === "when_closed") {
    const closed = checks.find((check) => check > moment);
    const window = closed === undefined ? last : atMost(edits, closed);
    return [window, window];
  }
  const first = atMost(edits, moment);
  if (judgedBy !== "while_running") return [first, first];
  const end = ends.has(alert.event_ids[0]) ? ends.get(alert.event_ids[0]) : moment;
  return [first, end === null ? last : Math.max(first, below(edits, end))];
}

/** `final` (folded with the orders as they are now) with each alert taken from the fold of the orders in force
 * at its entry's moment; `earlier[i]`: the fold with the orders in force until `edits[i]` (ms). Each fold has
 * already let a stronger alert supersede a weaker one on its entry; alerts of different folds are both kept. */
export function judged(final, earlier, edits, events, rulebook) {
  const made = madeAt(events);
  const ends = segmentEnds(final);
  const checks = final.vitals.map((point) => ms(point.at)).sort((a, b) => a - b);
  const byId = new Map();
  [...earlier, final].forEach((state, index) => {
    for (const alert of state.alerts) {
      const [from, to] = windows(alert, rulebook.rules[alert.rule]?.judged ?? "when_made", made, ends, checks, edits);
      if (from <= index && index <= to) byId.set(alert.id, alert); // a later window's wins
    }
  });
  const position = new Map(final.entries.map((entry, index) => [entry.event_id, index]));
  const at = (alert) => position.get(alert.event_ids[0]) ?? -1;
  const alerts = [...byId.values()].sort((a, b) => (at(a) - at(b)) || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
  return { ...final, alerts };
}

// What a person calls each field of an order, for the revisions the visit screen lists.
const ORDER_WORDS = {
  product_id: "product", indication: "indication", dose_g_per_kg: "dose (g/kg)", dosing_weight_kg: "dosing weight (kg)",
  steps_ml_h: "steps (mL/h)", step_min: "minutes between steps", volume_ml: "volume (mL)", duration_min: "time (minutes)",
  rate_cap_ml_h: "rate cap (mL/h)", premeds: "premedication", prn_orders: "PRN orders", vitals_schedule: "vital-sign schedule",
  safety_override: "pharmacist override",
};

// A medication whole (a dose changed is a change), an override by its reason.
const itemText = (item) => (typeof item === "object" ? [item.drug, item.dose, item.unit, item.route].filter((x) => x != null).join(" ") : String(item));

function valueText(value) {
  if (value === null || value === undefined || (Array.isArray(value) && !value.length)) return "none";
  if (Array.isArray(value)) return value.map(itemText).join(", ");
  return typeof value === "object" ? `"${value.reason ?? JSON.stringify(value)}"` : String(value);
}

/** The revisions the pharmacy made to the visit's orders while it ran, from `context.earlier` (the orders before
 * each edit) and the orders now: [{until, order_id, changes: ["rate cap (mL/h) none → 100", ...]}]. */
export function revisionsWhileRunning(contextJson) {
  const earlier = contextJson?.earlier ?? [];
  const states = [...earlier, { order: contextJson?.order, other_orders: contextJson?.other_orders ?? [] }];
  return earlier.flatMap((before, index) => {
    const after = states[index + 1];
    return [before.order, ...before.other_orders].map((then) => {
      const now = [after.order, ...after.other_orders].find((o) => o?.id === then.id);
      const changes = Object.keys(ORDER_WORDS).filter((key) => now && JSON.stringify(then[key]) !== JSON.stringify(now[key]))
        .map((key) => `${ORDER_WORDS[key]} ${valueText(then[key])} → ${valueText(now[key])}`);
      return { until: before.until, order_id: then.id, changes };
    }).filter((revision) => revision.changes.length);
  });
}
