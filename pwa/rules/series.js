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

// [target, what bounds it, what holds the step advice there]. The pharmacist's rate for this infusion, set at
// the previous one's review (CLINICAL 5), is the aim over the tolerated rate; after a reaction with no rate
// tolerated, the highest step below the rate it came at, else the first step. Each is cut at this visit's
// limits. The advice stops at the target when the pharmacist set it ("pharmacist") or the previous infusion
// had a reaction ("last_reaction"); a tolerated rate alone holds nothing (no ratchet down).
export function seriesAim(picture) {
  const previous = picture.context.series_place?.previous ?? null;
  if (!previous) return [null, null, null];
  const handover = previous.handover ?? {};
  const asked = handover.next_rate_ml_h ?? null;
  const tolerated = previous.last_tolerated_rate_ml_h ?? null;
  const reacted = (handover.reactions ?? []).map((r) => r.rate_ml_h).filter((rate) => rate !== null);
  let aimed;
  let by;
  if (asked !== null) [aimed, by] = [asked, 'pharmacist'];
  else if (tolerated !== null) [aimed, by] = [tolerated, 'last_tolerated'];
  else if (reacted.length) {
    const tolerance = picture.context.rulebook.rate_tolerance_ml_h;
    const below = picture.schedule.map((s) => s.rate_ml_h).filter((rate) => rate < Math.min(...reacted) - tolerance);
    [aimed, by] = [below.length ? Math.max(...below) : picture.schedule[0].rate_ml_h, 'last_reaction'];
  } else return [null, null, null];
  const [rate, bound] = target(picture, aimed, by);
  const holds = asked !== null ? 'pharmacist' : handover.reactions?.length ? 'last_reaction' : null;
  return [rate, bound, rate === null ? null : holds];
}

export function seriesOut(picture) {
  const { context } = picture;
  const place = context.series_place;
  if (!place) return null;
  const { previous } = place;
  const tolerated = previous?.last_tolerated_rate_ml_h ?? null;
  const [rate, bound, holds] = seriesAim(picture);
  return {
    number: place.number, kind: place.kind, reason: place.reason, protocol_infusion: context.protocol.infusion,
    last_tolerated: tolerated === null ? null
      : { rate_ml_h: tolerated, visit_id: previous.visit_id, ended_at: formatInstant(previous.at) },
    target_ml_h: rate, target_bound: bound, target_holds: holds, last_infusion: lastInfusion(context.series),
  };
}

// The patient's most recent infusion with what it hands over (its reactions, the pharmacist's notes),
// whether or not of this series: a reaction before a product switch matters most after it.
function lastInfusion(series) {
  const last = series.prior.map((p) => ({ ...p, at: parseInstant(p.ended_at) })).reduce((a, b) => (!a || b.at > a.at ? b : a), null);
  if (!last?.handover) return null;
  return { visit_id: last.visit_id, product_id: last.product_id, ended_at: formatInstant(last.at), ...last.handover };
}
