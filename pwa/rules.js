// rules.js: the clinical answers of the server (server/clinical/) for the nurse's offline tablet, in
// plain ES modules. The app imports only this file. Pure functions over plain data: nothing is fetched
// here; the data comes from GET /api/reference and each visit's context from its `context` field.
//
//   const catalog = loadCatalog(reference.products);     // products.json as it is
//   const cel = await loadExpressionLanguage();          // CEL rules evaluator (lazy/, on demand)
//   const rulebook = loadRulebook(reference.rules, cel);  // rules.json as it is; cel.facts: facts.json
//   const orders = await loadOtherOrders();               // a visit's additional orders (lazy/, on demand)
//   const context = makeContext(visit.context, {catalog, rulebook, ranges: reference.ranges, orders});
//   const state = foldTimeline(events, context, {now: new Date()});   // = VisitState.to_dict()
//   const problems = checkPayload('vitals', {temp_c: 53}, reference.ranges);  // before saving an entry
//
// JSON data keys stay snake_case as on the server; times inside are UTC milliseconds and come out as
// ISO-8601 strings formatted as the server formats them. Passing `ranges` to makeContext makes the
// fold check numbers against the plausible ranges exactly as the server does (its `invalid` list).

import { packagedJson } from './rules/packaged.js';

export { roundHalfUp, formatNumber } from './rules/rounding.js';
export { toMlH, fromMlH, rateLimit, stepSchedule, recommendNextRate } from './rules/rates.js';
export { loadCatalog, findProtocol, findProduct, protocolFor, orderProtocol } from './rules/catalog.js';
export { loadRulebook } from './rules/alerts.js';

// The evaluator of the threshold rules of rules.json (CEL): loaded on demand (precached), so the
// cold-start shell stays small; loadRulebook needs it for the expression rules.
// It comes with its facts document (server/clinical/data/facts.json, packaged with this code as
// lazy/facts.json): the facts this code computes, whatever reference the tablet holds.
export async function loadExpressionLanguage() {
  const factsUrl = new URL('./lazy/facts.json', import.meta.url);
  const [language, facts] = await Promise.all([import('./lazy/expressions.js'), packagedJson(factsUrl)]);
  return { ...language, facts };
}

// The additional orders' part of the fold (lazy/, on demand): makeContext needs it for a visit that holds
// more than one order (`orders` option), never for a visit of one order.
export function loadOtherOrders() {
  return import('./lazy/other_orders.js');
}

export { suggestedActions } from './rules/rulebook.js';
export { loadRanges } from './rules/ranges.js';
export { makeContext } from './rules/context.js';
export { foldTimeline } from './rules/timeline.js';
export { validateEvent, CURRENT_SCHEMA, checkPayload } from './rules/events.js';
export { EventInvalid } from './rules/problems.js';
export { parseInstant, formatInstant } from './rules/clock.js';
