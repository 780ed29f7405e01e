// Where a visit stands in the patient's series of infusions, and the rate to aim for (port of
// server/clinical/series.py). A series is the run of completed infusions of one product with no gap
// longer than the rule book's long_gap_days; its first (first ever, product switch, long gap) takes the
// first-infusion protocol, a later one the label's subsequent protocol and the last tolerated rate of the
// series as its target, never above the visit's limits.

import { formatInstant, parseInstant } from './clock.js';
import { limitExceededBy, rateLimit } from './rates.js';

// {number, kind: "first"|"subsequent", reason: "first_ever"|"product_switch"|"long_gap"|null, previous}
// from the context's series {on, prior: [{visit_id, product_id, ended_at, last_tolerated_rate_ml_h}]}.
export function placeInSeries(series, productId, longGapDays) {
  const prior = series.prior.map((p) => ({ ...p, at: parseInstant(p.ended_at) })).sort((a, b) => b.at - a.at);
  let later = parseInstant(series.on);
  let reason = 'first_ever';
  const run = [];
  for (const p of prior) {
    reason = p.product_id !== productId ? 'product_switch' : later - p.at > longGapDays * 864e5 ? 'long_gap' : null;
    if (reason) break;
    run.push(p);
    later = p.at;
  }
  return run.length ? { number: run.length + 1, kind: 'subsequent', reason: null, previous: run[0] }
    : { number: 1, kind: 'first', reason: reason ?? 'first_ever', previous: null };
}

// The rate aimed at (`bound` says whose) cut at the visit's limit and at the label's own, which an order's
// cap never lifts; an exclusive cap takes the highest step below it. [rate or null, what bounds it]
function target({ context, limit, schedule, at_risk }, rate, bound) {
  const label = rateLimit(context.protocol, { weight_kg: context.order.dosing_weight_kg, at_risk });
  for (const cap of [limit, label].sort((a, b) => a.ml_h - b.ml_h)) {
    if (rate === null || !limitExceededBy(cap, rate)) continue;
    const below = schedule.map((s) => s.rate_ml_h).filter((r) => !limitExceededBy(cap, r));
    rate = !cap.exclusive ? cap.ml_h : below.length ? Math.max(...below) : null;
    bound = cap.source;
  }
  return [rate, bound];
}

// The handover of a visit since the last infusion that gave none, where it speaks of this one: the same product,
// within the series' gap (a pharmacist's rate after a reaction to the premedication is for it).
function laterWord({ context }) {
  const last = context.series?.last_visit ?? null;
  if (!last?.handover || last.product_id !== context.order.product_id) return {};
  const gap = context.rulebook.infusion_series.long_gap_days * 864e5;
  return parseInstant(context.series.on) - parseInstant(last.ended_at) <= gap ? last.handover : {};
}

// [target, what bounds it, what holds the step advice there]. The pharmacist's rate for this infusion, set at
// the previous one's review (or a later visit's that gave none, laterWord; CLINICAL 5), is the aim over the
// tolerated rate, which never reaches a rate that caused a reaction since (a pump stopped at its first step
// with no volume given): the highest step below it, else the first step, as with no rate tolerated. Each is
// cut at this visit's limits. The advice stops at the target when the pharmacist set it ("pharmacist") or
// there was a reaction since the series' last infusion began ("last_reaction"); a tolerated rate alone holds
// nothing (no ratchet down).
export function seriesAim(picture) {
  const previous = picture.context.series_place?.previous ?? null;
  const handover = previous?.handover ?? {};
  const later = laterWord(picture);
  const asked = later.next_rate_ml_h ?? handover.next_rate_ml_h ?? null;
  const tolerated = previous?.last_tolerated_rate_ml_h ?? null;
  const reactions = [...(handover.reactions ?? []), ...(later.reactions ?? [])];
  const reacted = reactions.map((r) => r.rate_ml_h).filter((rate) => rate !== null);
  let under = null; // the highest step below every rate that caused a reaction, else the first step
  if (reacted.length) {
    const tolerance = picture.context.rulebook.rate_tolerance_ml_h;
    const below = picture.schedule.map((s) => s.rate_ml_h).filter((rate) => rate < Math.min(...reacted) - tolerance);
    under = below.length ? Math.max(...below) : picture.schedule[0].rate_ml_h;
  }
  let aimed;
  let by;
  if (asked !== null) [aimed, by] = [asked, 'pharmacist'];
  else if (tolerated !== null && (under === null || tolerated <= under)) [aimed, by] = [tolerated, 'last_tolerated'];
  else if (under !== null) [aimed, by] = [under, 'last_reaction'];
  else return [null, null, null];
  const [rate, bound] = target(picture, aimed, by);
  const holds = asked !== null ? 'pharmacist' : reactions.length ? 'last_reaction' : null;
  return [rate, bound, rate === null ? null : holds];
}

export function seriesOut(picture) {
  const { context } = picture;
  const place = context.series_place;
  if (!place) return null;
  const { previous } = place;
  const tolerated = previous?.last_tolerated_rate_ml_h ?? null;
  const [rate, bound, holds] = picture.aim;
  return {
    number: place.number, kind: place.kind, reason: place.reason, protocol_infusion: context.protocol.infusion,
    last_tolerated: tolerated === null ? null
      : { rate_ml_h: tolerated, visit_id: previous.visit_id, ended_at: formatInstant(previous.at) },
    target_ml_h: rate, target_bound: bound, target_holds: holds, last_infusion: lastInfusion(context.series),
    last_visit: handed(context.series.last_visit ?? null),
  };
}

// The patient's most recent infusion with what it hands over (its reactions, the pharmacist's notes),
// whether or not of this series: a reaction before a product switch matters most after it.
function lastInfusion(series) {
  return handed(series.prior.reduce((a, b) => (!a || parseInstant(b.ended_at) > parseInstant(a.ended_at) ? b : a), null));
}

function handed(visit) {
  if (!visit?.handover) return null;
  return { visit_id: visit.visit_id, product_id: visit.product_id, ended_at: formatInstant(parseInstant(visit.ended_at)), ...visit.handover };
}
