// The seam between the screens and rules.js (the tablet's copy of the server's clinical maths and
// alert rules, held to the same test vectors): contexts per visit, the fold, the payload check.

import * as rules from "./rules.js";
import { newAlerts } from "./visit_model.js";

export class Clinical {
  constructor(rules, reference) {
    this.rules = rules;
    this.reference = reference;
    this.catalog = rules.loadCatalog(reference.products);
    this.rulebook = rules.loadRulebook(reference.rules);
    this.contexts = new Map(); // visit id -> {key, context}
  }

  context(visit) {
    const key = JSON.stringify(visit.context);
    const cached = this.contexts.get(visit.id);
    if (cached && cached.key === key) return cached.context;
    const context = this.rules.makeContext(visit.context, {
      catalog: this.catalog, rulebook: this.rulebook, ranges: this.reference.ranges,
    });
    this.contexts.set(visit.id, { key, context });
    return context;
  }

  /** The visit's state (the server's `state` shape) from its events, at `now` (a Date). */
  fold(visit, events, now) {
    return this.rules.foldTimeline(events, this.context(visit), { now });
  }

  /** Problems `[{field, message, code}]` with a payload about to be saved. */
  check(kind, payload) {
    return this.rules.checkPayload(kind, payload, this.reference.ranges);
  }

  /** Alerts that `candidate` (an event not yet saved) would add to the visit. */
  preview(visit, events, candidate, now) {
    const before = this.fold(visit, events, now);
    const after = this.fold(visit, [...events, candidate], now);
    return newAlerts(before, after);
  }
}

/** The clinical seam for a reference, or null when rules.js cannot read it (the screen says so). */
export function clinicalFor(reference) {
  if (!reference) return null;
  try {
    return new Clinical(rules, reference);
  } catch (error) {
    console.error("ivlog: the clinical rules could not read the reference", error);
    return null;
  }
}
