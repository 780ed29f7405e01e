// What the fold needs besides the events (port of server/clinical/visit_context.py): the order, the
// patient's flags and the loaded data. `makeContext` reads the plain-JSON form {order, patient} that
// /api/reference carries per visit (as VisitContext.from_dict does) and fails fast when the order does
// not resolve to a protocol of a known product.

import {
  doseProtocol, findProduct, findProtocol, orderProtocol, protocolFor, protocolForInfusion, unratedProduct,
} from './catalog.js';
import { deepFreeze, isObject } from './shapes.js';
import { rangesFrom } from './ranges.js';
import { checkAppliesTo, vitalsScheduleFrom } from './rulebook.js';
import { placeInSeries } from './series.js';

const ORDER_FIELDS = {
  id: null, product_id: undefined, dosing_weight_kg: undefined, therapy: 'ivig', indication: null, protocol_id: null, steps_ml_h: null,
  step_min: null, first_step_min: null, dose_g_per_kg: null, dose_g: null, volume_ml: null, duration_min: null, rate_cap_ml_h: null, premeds: [], prn_orders: [],
  vitals_schedule: null, safety_override: null,
};
const ORGANIZATION_FIELDS = { at_risk_cap_mg_kg_min: null };
const PATIENT_FIELDS = { first_infusion: false, product_switch: false, long_gap: false, risk_flags: [] };
const PREMED_FIELDS = { drug: undefined, dose: null, unit: null, route: null };
const ASSESSMENT_RISKS = ['thrombosis_risk', 'renal_risk'];

// Keyword arguments as a Python dataclass takes them: unknown or missing required names are refused.
function fieldsOf(what, data, defaults) {
  if (!isObject(data)) throw new TypeError(`${what} must be an object`);
  const unknown = Object.keys(data).filter((key) => !Object.hasOwn(defaults, key));
  if (unknown.length) throw new TypeError(`${what}: unexpected field(s) ${unknown.join(', ')}`);
  const out = {};
  for (const [name, fallback] of Object.entries(defaults)) {
    if (Object.hasOwn(data, name)) out[name] = structuredClone(data[name]);
    else if (fallback === undefined) throw new TypeError(`${what}: missing required field ${name}`);
    else out[name] = structuredClone(fallback);
  }
  return out;
}

function orderOf(what, data) {
  const order = fieldsOf(what, data, ORDER_FIELDS);
  for (const name of ['premeds', 'prn_orders']) order[name] = order[name].map((item) => fieldsOf(name, item, PREMED_FIELDS));
  return order;
}

function resolveProtocol(order, catalog) {
  if (order.volume_ml !== null) {
    if (order.duration_min === null) throw new Error('an order with a volume needs duration_min');
    return doseProtocol({ product: findProduct(catalog, order.product_id), volume_ml: order.volume_ml, duration_min: order.duration_min });
  }
  if (order.steps_ml_h !== null) {
    if (order.step_min === null) throw new Error('an order with explicit steps needs step_min');
    return orderProtocol({ product: findProduct(catalog, order.product_id), steps_ml_h: order.steps_ml_h,
      step_min: order.step_min, first_step_min: order.first_step_min });
  }
  const unrated = unratedProduct(catalog, order.product_id);
  if (unrated) throw new Error(`rates not verified for ${unrated.product.name}; give explicit steps`);
  if (order.protocol_id !== null) {
    const protocol = findProtocol(catalog, order.protocol_id);
    if (protocol.product.id !== order.product_id) {
      throw new Error(`protocol '${protocol.id}' is not for product '${order.product_id}'`);
    }
    return protocol;
  }
  if (order.indication !== null) return protocolFor(catalog, order.product_id, order.indication);
  throw new Error('an order needs protocol_id, indication or explicit steps_ml_h');
}

// The label row the order runs under (for an order protocol: by its indication); it bounds every rate.
// None for a product without verified rates.
function labelOf(protocol, order, catalog) {
  if (protocol.basis === 'label') return protocol;
  return order.indication === null || unratedProduct(catalog, order.product_id) ? null : protocolFor(catalog, order.product_id, order.indication);
}

// The visit's context {order, other_orders (the visit's additional orders) and other_protocols, patient, organization, series, series_place, catalog, rulebook, ranges,
// protocol, label_protocol, unrated (the product's entry when its rates are not verified), vitals_schedule}: `series` (the patient's earlier infusions, from the server;
// none: a first) picks the first- or later-infusion protocol; `organization` holds its reviewed settings
// (the default at-risk cap, mg/kg/min).
// `ranges` (the ranges.json document, optional) lets the fold check numbers as the server does; `orders`
// (await loadOtherOrders(), lazy) is needed only for a visit with additional orders.
export function makeContext(contextJson, { catalog, rulebook, ranges = null, orders = null }) {
  if (!Array.isArray(catalog?.protocols) || typeof rulebook?.rules !== 'object') {
    throw new TypeError('makeContext needs {catalog: loadCatalog(products), rulebook: loadRulebook(rules)}');
  }
  const order = orderOf('order', contextJson.order);
  const patient = fieldsOf('patient', contextJson.patient ?? {}, PATIENT_FIELDS);
  patient.risk_flags = [...new Set(patient.risk_flags ?? [])];
  const organization = fieldsOf('organization', contextJson.organization ?? {}, ORGANIZATION_FIELDS);
  const series = contextJson.series ?? null;
  const base = { patient, organization, series, catalog, rulebook };
  // An order's protocol for its infusion's place in the series (a first without the series' facts).
  const protocolOf = (o) => protocolForInfusion(resolveProtocol(o, catalog), placeOf(base, o)?.kind ?? 'first');
  const protocol = protocolOf(order);
  if (order.therapy !== protocol.therapy) {
    throw new Error(`order.therapy '${order.therapy}' is not its product's ('${protocol.therapy}')`);
  }
  const list = contextJson.other_orders ?? [];
  if (list.length && !orders) throw new TypeError('additional orders need {orders: await loadOtherOrders()}');
  const { others, protocols } = orders ? orders.otherOrdersOf(list, order, orderOf, protocolOf) : { others: [], protocols: [] };
  others.forEach((o) => vitalsScheduleFrom(rulebook.vitals_schedule, o.vitals_schedule)); // its pump's rules read it: checked now
  checkAppliesTo(rulebook, catalog);
  return deepFreeze({
    ...orderContext(base, order, protocol), other_orders: others, other_protocols: protocols,
    orders: orders && { ...orders }, ranges: rangesFrom(ranges),
  });
}

const placeOf = ({ series, rulebook }, order) => series && placeInSeries(series, order.product_id, rulebook.infusion_series.long_gap_days);

// What the context holds for the order it is about: the order, its protocol, label row and schedule.
function orderContext(base, order, protocol) {
  const { catalog, rulebook } = base;
  return {
    ...base, order, series_place: placeOf(base, order), protocol, label_protocol: labelOf(protocol, order, catalog),
    unrated: unratedProduct(catalog, order.product_id),
    vitals_schedule: vitalsScheduleFrom(rulebook.vitals_schedule, order.vitals_schedule),
  };
}

// The visit's context as one additional order's own (the server's `replace(context, order=...,
// other_orders=())`): what that order's pump is judged by (picture.js orderPictures).
export function contextForOrder(context, order, protocol) {
  return { ...context, ...orderContext(context, order, protocol), other_orders: [], other_protocols: [] };
}

// The options rateLimit, stepSchedule and recommendNextRate take for this visit.
export function limitsOf(context, at_risk) {
  return {
    weight_kg: context.order.dosing_weight_kg, cap_ml_h: context.order.rate_cap_ml_h, at_risk,
    label: context.label_protocol, at_risk_default_mg_kg_min: context.organization.at_risk_cap_mg_kg_min,
  };
}

export function gramsOrdered(order) {
  if (order.dose_g != null) return order.dose_g;
  if (order.dose_g_per_kg == null) return null;
  return order.dose_g_per_kg * order.dosing_weight_kg;
}

// First infusion, product switch or a long gap: 60 min observation instead of the usual.
export function observationMin(context) {
  const { patient, vitals_schedule: schedule } = context;
  const highRisk = patient.first_infusion || patient.product_switch || patient.long_gap;
  return highRisk ? schedule.observation_min_high_risk : schedule.observation_min;
}

// The at-risk cap applies: a patient flag the products data lists, or a positive screen today.
export function isAtRisk(context, assessments) {
  if (context.patient.risk_flags.some((flag) => context.catalog.at_risk_flags.includes(flag))) return true;
  return assessments.some((payload) => ASSESSMENT_RISKS.some((name) => payload[name]));
}
