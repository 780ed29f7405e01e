// A visit's additional orders (port of server/clinical/other_orders.py and visit_context.py's
// check_other_orders): loaded on demand (loadOtherOrders, precached) and handed to makeContext, so the
// cold-start shell does not carry them; a visit of one order never needs them.

import { formatInstant } from '../rules/clock.js';
import { buildInfusion, durationMin, volumeMl } from '../rules/infusion.js';
import { orderNotOnVisit } from '../rules/picture.js';
import { roundHalfUp } from '../rules/rounding.js';

// Whose pump event is whose (port of server/clinical/other_orders.py): without order_id, or naming the
// primary order, the primary's; naming an additional order, that order's own pump; naming an order the
// visit does not hold, none (an issue, order_not_on_visit). visit.ended stops every pump.
// {primary: entries, runs: [{order, protocol, entries, infusion}], issues: [[event id, problem]]}.
export function splitOrders(entries, context) {
  const own = new Map(context.other_orders.map((order) => [order.id, []]));
  const primary = [];
  const issues = [];
  for (const entry of entries) {
    const named = entry.kind.startsWith('infusion.') ? entry.payload.order_id ?? null : null;
    if (named === null || named === context.order.id) primary.push(entry);
    else if (own.has(named)) own.get(named).push(entry);
    else issues.push([entry.id, orderNotOnVisit(named)]);
    if (entry.kind === 'visit.ended') own.forEach((list) => list.push(entry));
  }
  const runs = context.other_orders.map((order, i) => ({
    order, protocol: context.other_protocols[i], entries: own.get(order.id), infusion: buildInfusion(own.get(order.id)),
  }));
  return { primary, runs, issues };
}

// The visit's additional orders from their plain JSON, each with its protocol (`parse`, `resolve`: context.js's).
export function otherOrdersOf(list, primary, parse, resolve) {
  const others = list.map((data, index) => parse(`other_orders[${index}]`, data));
  const protocols = others.map(resolve);
  checkOtherOrders(primary, others, protocols);
  return { others, protocols };
}

// Each additional order names its id, once, not the primary's, and the therapy of its product.
function checkOtherOrders(primary, others, protocols) {
  const seen = new Set([primary.id]);
  others.forEach((order, index) => {
    const where = `other_orders[${index}]`;
    if (order.id === null) throw new Error(`${where}.id is required: events name an additional order by its id`);
    if (seen.has(order.id)) throw new Error(`${where}.id '${order.id}' is the visit's order or listed twice`);
    if (order.therapy !== protocols[index].therapy) {
      throw new Error(`${where}.therapy '${order.therapy}' is not its product's ('${protocols[index].therapy}')`);
    }
    seen.add(order.id);
  });
}

const instant = (ms) => (ms === null ? null : formatInstant(ms));

// One additional order as the state reports it: its order (a fixed dose's volume and time); its pump's start
// rate and limit, from its own picture (its protocol, weight and cap: picture.js orderPictures); status,
// volume and periods.
export function runOut({ order, protocol, entries, infusion }, { schedule, limit, horizon }) {
  const minutes = (s) => durationMin(s.start, s.end, horizon);
  const stops = entries.filter((e) => e.kind === 'infusion.stopped' && e.payload.pump_volume_ml !== null);
  return {
    order_id: order.id, product_id: protocol.product.id, product_name: protocol.product.name,
    therapy: protocol.therapy, protocol_kind: protocol.kind, volume_ml: order.volume_ml, duration_min: order.duration_min,
    start_ml_h: schedule.length ? schedule[0].rate_ml_h : null, limit_ml_h: limit.ml_h,
    status: infusion.state === 'idle' ? 'not_started' : infusion.state,
    current_rate_ml_h: infusion.state === 'running' ? infusion.rate_ml_h : null,
    first_start: instant(infusion.first_start), stopped_at: instant(infusion.stopped_at),
    running_min: roundHalfUp(infusion.segments.reduce((sum, s) => sum + minutes(s), 0), 1),
    volume_infused_ml: roundHalfUp(volumeMl(infusion.segments, horizon), 1),
    pump_volume_ml: stops.length ? stops.at(-1).payload.pump_volume_ml : null,
    segments: infusion.segments.map((s) => ({
      event_id: s.event_id, start: formatInstant(s.start), end: instant(s.end), rate_ml_h: s.rate_ml_h,
      duration_min: roundHalfUp(minutes(s), 1), volume_ml: roundHalfUp(s.rate_ml_h * minutes(s) / 60.0, 1),
    })),
    pauses: infusion.pauses.map((p) => ({
      event_id: p.event_id, start: formatInstant(p.start), end: instant(p.end), reason: p.reason, resumed_by: p.resumed_by,
    })),
  };
}
