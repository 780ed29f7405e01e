// Alerts about the visit's preparation and products that need more than a threshold (port of
// server/clinical/visit_rules.py): the kit gate, the premedications ordered and given, the products
// opened (CLINICAL.md 1 and 4). Weight, premedication timing, the product ordered, expiry, inspection and
// notification are expressions in rules.json.

import { utcDateOf } from './clock.js';
import { findProduct } from './catalog.js';
import { finding, ofKind } from './picture.js';
import { formatNumber, roundHalfUp } from './rounding.js';

// The hard gate (CLINICAL 1.3): the kit is present, in date and undamaged.
function kitReady(assessment) {
  return Boolean(assessment.kit_present && assessment.kit_in_date && assessment.kit_undamaged);
}

// Every start needs the latest assessment before it to have passed the kit check.
function kitMissing(picture) {
  const assessments = ofKind(picture, 'assessment');
  return ofKind(picture, 'infusion.started').flatMap((start) => {
    const latest = assessments.filter((a) => a.rank < start.rank).at(-1) ?? null;
    if (latest !== null && kitReady(latest.payload)) return [];
    return [finding(latest === null ? [start.id] : [start.id, latest.id])];
  });
}

// Python's str.casefold for the names people type (ß -> ss; close enough beyond Latin script).
export const casefold = (text) => text.toUpperCase().toLowerCase();

// Ordered premedications with no premedication entry of that drug (names compared casefolded).
function premedMissing(picture) {
  if (!picture.infusion.rate_events.length) return [];
  const premeds = ofKind(picture, 'medication.given').filter((m) => m.payload.purpose === 'premed');
  const given = new Set(premeds.map((m) => casefold(m.payload.drug)));
  const missing = picture.context.order.premeds.map((p) => p.drug).filter((drug) => !given.has(casefold(drug)));
  if (!missing.length) return [];
  return [finding([picture.infusion.rate_events[0].entry.id], { drugs: missing.join(', ') })];
}

const MASS_MCG = { mcg: 1, mg: 1000, g: 1000000 };
// A dose on its scale: mcg, mg and g are one (mass, in mcg), mL and units each their own (visit_rules.py `amount_of`).
const amountOf = (dose, unit) => (unit in MASS_MCG ? ['mass', roundHalfUp(dose * MASS_MCG[unit], 3)] : [unit, dose]);

// A medication given that no order of the visit lists for its purpose (premedication: the premeds; PRN or
// reaction: the PRN orders), by a route no such order names, or above every ordered dose by its route on the
// same scale.
function medicationOffOrder(picture) {
  const orders = [picture.context.order, ...picture.context.other_orders];
  return ofKind(picture, 'medication.given').flatMap((given) => {
    const p = given.payload;
    const listed = orders.flatMap((order) => order[p.purpose === 'premed' ? 'premeds' : 'prn_orders'])
      .filter((m) => casefold(m.drug) === casefold(p.drug));
    const items = listed.filter((m) => m.route === null || m.route === p.route);
    const [scale, amount] = amountOf(p.dose, p.unit);
    const doses = items.filter((m) => m.dose !== null).map((m) => [amountOf(m.dose, m.unit), m])
      .filter(([[onScale]]) => onScale === scale).map(([[, ordered], m]) => [ordered, m]).sort((a, b) => a[0] - b[0]);
    const top = doses.at(-1);
    const problem = !listed.length ? `not on the order's ${p.purpose === 'premed' ? 'premedication' : 'PRN'} list`
      : !items.length ? `by ${p.route}, where the order gives it ${[...new Set(listed.map((m) => m.route))].sort().join(' or ')}`
      : doses.length === items.length && amount > top[0] ? `above the ordered ${formatNumber(top[1].dose, 2)} ${top[1].unit}` : null;
    return problem ? [finding([given.id], { drug: p.drug, dose: p.dose, unit: p.unit, problem })] : [];
  });
}

// The catalogue name of a product, or its id when the catalogue does not list it.
export function productName(picture, productId) {
  try {
    return findProduct(picture.context.catalog, productId).name;
  } catch {
    return productId;
  }
}

// Brands mixed in the order's infusion (another order's product runs on its own pump: not mixed).
function mixedBrands(picture) {
  const [first, ...later] = ofKind(picture, 'product.opened').filter((o) => !picture.foreign_products.includes(o.payload.product_id));
  if (first === undefined) return [];
  return later.filter((o) => o.payload.product_id !== first.payload.product_id).map((o) => finding([o.id, first.id], {
    product: productName(picture, o.payload.product_id), other_product: productName(picture, first.payload.product_id),
  }));
}

// A start needs a product opened before it that is the order's, inspected and in date when opened; a
// start without one (an override) is flagged.
function startNotReady(picture) {
  const usable = (o) => o.payload.inspected_ok && o.payload.product_id === picture.context.order.product_id &&
    o.payload.expiry >= utcDateOf(o.occurred_ms);
  const opened = ofKind(picture, 'product.opened');
  return ofKind(picture, 'infusion.started').filter((start) => !opened.some((o) => o.rank < start.rank && usable(o)))
    .map((start) => finding([start.id], { override_reason: start.payload.override_reason || 'none given' }));
}

export const VISIT_RULES = {
  kit_missing: [kitMissing, [], []],
  start_not_ready: [startNotReady, [], ['override_reason']],
  premed_missing: [premedMissing, [], ['drugs']],
  medication_off_order: [medicationOffOrder, [], ['dose', 'drug', 'problem', 'unit']],
  mixed_brands: [mixedBrands, [], ['other_product', 'product']],
};
