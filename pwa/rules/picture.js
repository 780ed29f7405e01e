// The visit's clinical picture (port of server/clinical/picture.py): what the rules judge and the state
// reports, built once per fold from the effective entries in fold order: the pump timeline, the vital
// signs linked to the rate they were taken at, the baseline, and this patient's step table and limit.

import { contextForOrder, isAtRisk, limitsOf } from './context.js';
import { buildInfusion } from './infusion.js';
import { MEASUREMENTS } from './payload_schemas.js';
import { problem } from './problems.js';
import { rateLimit, stepIndex, stepSchedule } from './rates.js';
import { seriesAim } from './series.js';

const PHASES = { idle: 'pre', running: 'infusion', paused: 'paused', stopped: 'post' };

// What a rule reports before the engine turns it into an alert (port of server/clinical/rulebook.py):
// the entries it is about (event_ids[0] is the one the alert belongs to) and the values for its message.
export function finding(event_ids, values = {}) {
  return { event_ids, values };
}

// The entries of any of `kinds`, in fold order.
export function ofKind(picture, ...kinds) {
  return picture.entries.filter((entry) => kinds.includes(entry.kind));
}

// The step a rate has reached (null for no rate, or below the first step).
export function stepOf(picture, rate_ml_h) {
  if (rate_ml_h === null || rate_ml_h === undefined) return null;
  return stepIndex(picture.schedule, rate_ml_h, picture.context.rulebook.rate_tolerance_ml_h);
}

// Per measurement, the last value recorded before the first start (no start: no baseline).
function baselineOf(entries, infusion) {
  if (!infusion.rate_events.length) return {};
  const firstStart = infusion.rate_events[0].entry.rank;
  const baseline = {};
  for (const entry of entries.filter((e) => e.kind === 'vitals' && e.rank < firstStart)) {
    for (const name of MEASUREMENTS.filter((n) => entry.payload[n] !== null)) {
      baseline[name] = { value: entry.payload[name], event_id: entry.id };
    }
  }
  return baseline;
}

// How far open periods run: `now`, or the last entry's time if that is later (or there is no now).
function horizonOf(entries, now) {
  const times = entries.map((entry) => entry.occurred_ms).concat(now === null ? [] : [now]);
  return times.length ? Math.max(...times) : null;
}

function vitalsPoints(entries, infusion, schedule, tolerance) {
  return entries.filter((e) => e.kind === 'vitals').map((entry) => {
    const rate = infusion.rate_at.get(entry.id);
    const index = rate === null ? null : stepIndex(schedule, rate, tolerance);
    return { entry, phase: PHASES[infusion.state_at.get(entry.id)], rate_ml_h: rate, step_index: index };
  });
}

// A pump event naming an order the visit does not hold runs no pump: an issue (lazy/other_orders.js too).
export const orderNotOnVisit = (named) => problem('order_id', `Order ${named} is not an order of this visit`, 'order_not_on_visit');

// Whose pump event is whose: with additional orders, the lazy module's splitOrders; for a visit of one
// order, every event but a pump event naming another order (listed as an issue).
function splitOf(all, context) {
  if (context.orders) return context.orders.splitOrders(all, context);
  const foreign = (e) => e.kind.startsWith('infusion.') && ![null, context.order.id].includes(e.payload.order_id ?? null);
  return { primary: all.filter((e) => !foreign(e)), runs: [], issues: all.filter(foreign).map((e) => [e.id, orderNotOnVisit(e.payload.order_id)]) };
}

// The picture of `allEntries` (effective, fold order) for this visit's order and patient at `now` (ms). The
// rules judge the primary order's entries; the additional orders' pump events make their own timelines.
export function buildPicture(allEntries, context, now) {
  const { primary, runs, issues } = splitOf(allEntries, context);
  const products = new Set([context.order, ...context.other_orders].map((order) => order.product_id));
  return pictureOf(primary, context, horizonOf(allEntries, now), products, runs, issues);
}

// `products`: every product the visit's orders give; the others' lots are not this pump's (foreign_products).
function pictureOf(entries, context, horizon, products, runs = [], issues = []) {
  const infusion = buildInfusion(entries);
  const atRisk = isAtRisk(context, entries.filter((e) => e.kind === 'assessment').map((e) => e.payload));
  const limits = limitsOf(context, atRisk);
  const schedule = stepSchedule(context.protocol, limits);
  const tolerance = context.rulebook.rate_tolerance_ml_h;
  const picture = {
    context, entries, infusion, schedule, at_risk: atRisk,
    vitals: vitalsPoints(entries, infusion, schedule, tolerance),
    baseline: baselineOf(entries, infusion),
    limit: rateLimit(context.protocol, limits),
    horizon, other_runs: runs, order_issues: issues,
    foreign_products: [...products].filter((id) => id !== context.order.product_id),
  };
  picture.aim = seriesAim(picture); // [target, what bounds it, what holds the advice there], once
  return picture;
}

const isPump = (entry) => entry.kind.startsWith('infusion.');

const ownPictures = new WeakMap(); // built once per picture: the alerts and the state both read them

// Each additional order's own picture, which the pump's rules judge too (alerts.js): the visit's entries
// with that order's pump events in place of the primary's, against that order's protocol and limits.
export function orderPictures(picture) {
  if (!ownPictures.has(picture)) {
    const shared = picture.entries.filter((entry) => !isPump(entry));
    const products = new Set([...picture.foreign_products, picture.context.order.product_id]);
    ownPictures.set(picture, picture.other_runs.map(({ order, protocol, entries }) => pictureOf(
      [...shared, ...entries.filter(isPump)].sort((a, b) => a.rank - b.rank),
      contextForOrder(picture.context, order, protocol), picture.horizon, products)));
  }
  return ownPictures.get(picture);
}
