// Each entry judged by the orders in force when it was made (port of server/services/orders_in_force.py).
// A pharmacist may edit an order while its visit runs: the visit follows the edit from then on, but what the
// nurse did before it was done under the order as it stood then. The server sends with such a visit the
// orders in force before each edit (`context.earlier`: [{until, order, other_orders}]); the visit is folded
// once more with each, and each alert is taken from the fold of its entry's moment (rules.json `judged`):
// when_made, the orders in force when the entry was made; while_running (the rate against its limit), those
// in force at any moment the rate ran, named by the latest; at_the_end (a total: dose, volume), the last.

import * as rules from "./rules.js";

const ms = (text) => (text === null || text === undefined ? null : rules.parseInstant(text));

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

function kept(alert, rulebook, made, ends, start, end) {
  const moment = made.get(alert.event_ids[0]);
  const judgedBy = rulebook.rules[alert.rule]?.judged ?? "when_made";
  if (moment === undefined || judgedBy === "at_the_end") return end === null;
  const last = judgedBy === "while_running" && ends.has(alert.event_ids[0]) ? ends.get(alert.event_ids[0]) : moment;
  return (start === null || last === null || last >= start) && (end === null || moment < end);
}

/** `final` (folded with the orders as they are now) with each alert taken from the fold of the orders in force
 * at its entry's moment; `earlier[i]`: the fold with the orders in force until `edits[i]` (ms). */
export function judged(final, earlier, edits, events, rulebook) {
  const made = madeAt(events);
  const ends = segmentEnds(final);
  const byId = new Map();
  [...earlier, final].forEach((state, index) => {
    const start = index ? edits[index - 1] : null;
    const end = index < edits.length ? edits[index] : null;
    state.alerts.filter((alert) => kept(alert, rulebook, made, ends, start, end))
      .forEach((alert) => byId.set(alert.id, alert)); // a later window's wins
  });
  const position = new Map(final.entries.map((entry, index) => [entry.event_id, index]));
  const at = (alert) => position.get(alert.event_ids[0]) ?? -1;
  const alerts = rules.withoutSuperseded([...byId.values()], Object.values(rulebook.rules))
    .sort((a, b) => (at(a) - at(b)) || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
  return { ...final, alerts };
}
