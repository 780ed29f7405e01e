// Products and their protocols as data (port of server/clinical/products.py). A protocol is plain data:
// {id, kind (its shape, products.json protocol_kinds), basis: "label"|"order", therapy, product: {id, name,
// brand, concentration_mg_ml, therapy}, rate_unit, ladder (ladder[0] the start rate, the last rung the
// maximum; empty for a kind without one), first_step_min, step_min, first_step_source, step_source (where those
// times come from: label, maker, organization or generated), at_risk_cap, at_risk_cap_exclusive,
// indications, source, verified_on, ladder_note, infusion: "every"|"first"|"subsequent", subsequent (the
// later infusions' protocol of a "first" one, else null), and a kind without a ladder its own fields}.

import { roundHalfUp } from './rounding.js';
import { checker, deepFreeze, loadSchema } from './shapes.js';

// The document's shape is products.schema.json (the server checks the same); the checks across fields
// are below. Its `kind_field`s belong to protocol kinds: a row carries its kind's
// (protocol_kinds[kind].fields), no other; a kind without a ladder (fixed_dose, per_site) keeps its own
// in the protocol as they are.
const SCHEMA = await loadSchema('products');
const FILE = checker(SCHEMA);
const KIND_FIELDS = SCHEMA.$defs.kind_field.enum;
// Where each value comes from, for the people who check the row: not part of the protocol, but for where
// the steps' times come from (order safety holds an order's interval to the label's, not to ivlog's).
const PROV = ['ladder_source', 'at_risk_cap_source', 'min_age_years', 'ndcs'];

// The world of the documents from before therapies and protocol kinds (products.json without them,
// rules.json schema 2): IVIG only; its label rows titrate by weight, an order's explicit mL/h steps are
// fixed_steps. rulebook.js gives each rule of such a rules file these names.
export const IVIG_ONLY = deepFreeze({ therapies: ['ivig'], protocol_kinds: ['weight_titration', 'fixed_steps'] });

// A products document that declares neither therapies nor protocol_kinds (a tablet whose code updated
// before its cached reference did) read as that world: every row IVIG by weight. Nothing in it declares
// the shape of a weight_titration row, and copying products.json's declarations into code would make a
// second source for them; so its rows keep every field and ladder check but not the check against their
// kind's declared fields (the server's loader and the code that received them checked that shape).
// A document declaring one of the two is current and keeps every check.
const each = (rows, fields) => (Array.isArray(rows) ? rows.map((row) => ({ ...row, ...fields })) : rows);
const upcast = (doc) => ({ ...doc, therapies: {}, protocol_kinds: {},
  products: each(doc.products, { therapy: 'ivig', kind: 'weight_titration' }),
  products_without_rates: each(doc.products_without_rates ?? [], { therapy: 'ivig' }) });

// Throws `${id}: ${message}` unless `ok`.
function must(ok, id, message) {
  if (!ok) throw new Error(`${id}: ${message}`);
}

// The row against its declared kind: its therapy and kind are declared, its rate unit is one of the
// kind's, it carries every field of its kind and no field of another.
function checkShape(row, { therapies, protocol_kinds: kinds }) {
  const { protocol_id: id, kind, therapy } = row, spec = kinds[kind];
  must(Object.hasOwn(therapies, therapy), id, `therapy '${therapy}' is not declared in therapies`);
  must(Object.hasOwn(kinds, kind), id, `kind '${kind}' is not declared in protocol_kinds`);
  must(spec.rate_units.includes(row.rate_unit), id, `rate_unit '${row.rate_unit}' is not one of ${kind}'s`);
  for (const name of KIND_FIELDS) {
    const present = row[name] !== null, wanted = spec.fields.includes(name);
    must(present || !wanted, id, `a ${kind} row needs ${name}`);
    must(wanted || !present, id, `${name} is not a field of a ${kind} row`);
  }
  must(kind === 'weight_titration' || (row.subsequent ?? row.at_risk_cap) === null, id,
    'subsequent and at_risk_cap belong to weight_titration rows');
}

const rising = (rates) => !rates.some((low, i) => i + 1 < rates.length && low >= rates[i + 1]);

// A fixed_steps ladder has no start_rate, max_rate or sources: only its order is checked.
function checkSteps(id, { ladder, start_rate: start, ladder_source: sources }, top) {
  must(start === null || (ladder[0] === start && ladder.at(-1) === top), id, 'ladder must run from start_rate to max_rate');
  must(rising(ladder), id, 'ladder must be strictly increasing');
  must(sources === null || sources.length === ladder.length, id, 'ladder_source must match the ladder');
}

function checkLadder(row) {
  const { protocol_id: id, subsequent: later, at_risk_cap: cap } = row;
  if (row.ladder === null) return;
  checkSteps(id, row, row.max_rate);
  must(cap === null || (row.start_rate < cap && cap < row.max_rate), id, 'at_risk_cap must lie between start and maximum');
  if (later === null) return;
  checkSteps(`${id} subsequent`, later, row.max_rate);
  must(cap === null || later.start_rate < cap, `${id} subsequent`, 'at_risk_cap must lie above its start rate');
}

// The row's other fields carry over as they are; start_rate and max_rate are the ladder's ends (checked
// above) and aliases are names for people, so neither is part of the protocol (nor is the provenance but
// the steps' times').
// A row with a subsequent block is the first infusion's protocol, its twin the later infusions'.
function protocolOfRow(row) {
  checkLadder(row);
  const {
    protocol_id: id, product_id, product_name: name, brand, concentration_mg_ml, start_rate, max_rate, aliases,
    subsequent: later, ...rest
  } = row;
  for (const key of PROV) delete rest[key];
  const protocol = { id, basis: 'label', product: { id: product_id, name, brand, concentration_mg_ml, therapy: row.therapy },
    ...rest, ladder: rest.ladder ?? [], infusion: later ? 'first' : 'every', subsequent: null };
  if (later) {
    const { ladder, first_step_min, step_min, first_step_source, step_source, source, ladder_note } = later;
    protocol.subsequent = { ...protocol, ladder, first_step_min, step_min, first_step_source, step_source, source, ladder_note,
      infusion: 'subsequent' };
  }
  return protocol;
}

// The protocol for a first or a later infusion of the series (itself when the label has one).
export function protocolForInfusion(protocol, kind) {
  return kind === 'subsequent' && protocol.subsequent ? protocol.subsequent : protocol;
}

function sameProduct(a, b) {
  return ['id', 'name', 'brand', 'concentration_mg_ml', 'therapy'].every((key) => a[key] === b[key]);
}

function checkProductsAgree(protocols) {
  const seen = new Map();
  for (const { product } of protocols) {
    if (!seen.has(product.id)) seen.set(product.id, product);
    if (!sameProduct(seen.get(product.id), product)) {
      throw new Error(`rows of product '${product.id}' disagree on name, concentration or therapy`);
    }
  }
  if (new Set(protocols.map((p) => p.id)).size !== protocols.length) {
    throw new Error('protocol_id values must be unique');
  }
}

// {product: {id, name, brand, concentration_mg_ml}, indications, min_age_years, ndcs, rates_note, source}.
function unratedOfRow({ product_id: id, product_name: name, brand, concentration_mg_ml, therapy, ...rest }) {
  return { product: { id, name, brand, concentration_mg_ml, therapy }, ...rest };
}

// A product either has label rows or is listed without rates, never both, and is listed once.
function checkUnratedApart(protocols, unrated) {
  const rated = new Set(protocols.map((p) => p.product.id));
  const ids = unrated.map((entry) => entry.product.id);
  if (new Set(ids).size !== ids.length || ids.some((id) => rated.has(id))) {
    throw new Error('products_without_rates: each product once, and none that has label rows');
  }
}

// The catalog {version, at_risk_flags, protocols, unrated, older (an upcast document from before therapies),
// therapies, protocol_kinds (the names each declares)} from the products.json document; throws on bad data.
export function loadCatalog(productsDoc) {
  const older = productsDoc?.constructor === Object && !('therapies' in productsDoc || 'protocol_kinds' in productsDoc);
  const file = FILE(older ? upcast(productsDoc) : productsDoc, 'products');
  const protocols = file.products.map(protocolOfRow);
  if (!older) {
    file.products.forEach((row) => checkShape(row, file));
    file.products_without_rates.forEach(({ product_id: id, therapy }) =>
      must(Object.hasOwn(file.therapies, therapy), id, `therapy '${therapy}' is not declared in therapies`));
  }
  checkProductsAgree(protocols);
  const unrated = file.products_without_rates.map(unratedOfRow);
  checkUnratedApart(protocols, unrated);
  const names = older ? IVIG_ONLY : { therapies: Object.keys(file.therapies), protocol_kinds: Object.keys(file.protocol_kinds) };
  return deepFreeze({ version: file.version, at_risk_flags: [...new Set(file.at_risk_flags)], protocols, unrated, older, ...names });
}

// The product's entry when its rates are not verified (null: it has label rows, or is unknown).
export function unratedProduct(catalog, productId) {
  return catalog.unrated.find((entry) => entry.product.id === productId) ?? null;
}

export function findProtocol(catalog, protocolId) {
  const found = catalog.protocols.find((p) => p.id === protocolId);
  if (found === undefined) throw new Error(`no protocol '${protocolId}' in products data ${catalog.version}`);
  return found;
}

export function findProduct(catalog, productId) {
  const found = catalog.protocols.find((p) => p.product.id === productId) ?? unratedProduct(catalog, productId);
  if (found === undefined || found === null) throw new Error(`no product '${productId}' in products data ${catalog.version}`);
  return found.product;
}

export function protocolFor(catalog, productId, indication) {
  const found = catalog.protocols.find((p) => p.product.id === productId && p.indications.includes(indication));
  if (found === undefined) {
    throw new Error(`no protocol for '${productId}' in '${indication}' (products data ${catalog.version})`);
  }
  return found;
}

const positive = (value) => typeof value === 'number' && value > 0;

// A protocol from an order's explicit mL/h steps; its last step is its maximum.
export function orderProtocol({ product, steps_ml_h, step_min, first_step_min = null }) {
  if (!Array.isArray(steps_ml_h) || !steps_ml_h.length || !steps_ml_h.every(positive)) {
    throw new Error("an order's steps must be positive rates");
  }
  if (!rising(steps_ml_h)) throw new Error("an order's steps must be strictly increasing");
  if (!positive(step_min) || (first_step_min !== null && !positive(first_step_min))) {
    throw new Error("an order's step times must be positive");
  }
  return deepFreeze({
    id: 'order', kind: 'fixed_steps', basis: 'order', therapy: product.therapy, product: { ...product }, rate_unit: 'mL/h',
    ladder: [...steps_ml_h],
    first_step_min: first_step_min === null ? step_min : first_step_min, step_min, at_risk_cap: null,
    at_risk_cap_exclusive: false, indications: [], source: 'pharmacy order', verified_on: null, ladder_note: null,
    infusion: 'every', subsequent: null,
  });
}

// A fixed_dose protocol from an order's volume and time (hydration, LABELS.md s.6: "X mL over Y h"): one
// step at volume ÷ time (mL/h, 0.1), held for the time; that rate is also its maximum.
export function doseProtocol({ product, volume_ml, duration_min }) {
  if (!positive(volume_ml) || !positive(duration_min)) throw new Error("an order's volume and time must be positive");
  const rate = roundHalfUp(volume_ml / duration_min * 60, 1);
  if (!positive(rate)) throw new Error("an order's volume over its time must run at 0.1 mL/h at least");
  return { ...orderProtocol({ product, steps_ml_h: [rate], step_min: duration_min }),
    kind: 'fixed_dose' };
}
