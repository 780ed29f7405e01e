// Vital-sign alerts against the visit's baseline (port of server/clinical/vital_rules.py; CLINICAL.md
// section 3). Relative conditions (a rise or fall from baseline) apply only after the infusion started,
// when a baseline exists; absolute ones (SpO2 ≤ 92%) apply to every set. Differences are rounded half up
// to 0.1 before comparison, so 37.8 − 36.8 counts as exactly 1.0 on the tablet and the server alike.
// Each rule: (picture, rule spec) -> findings [{event_ids, values}].

import { finding } from './picture.js';
import { formatNumber, roundHalfUp } from './rounding.js';

// Each set that measured `name`: [point, value, baseline or null (before the start, or none)].
function measured(picture, name) {
  return picture.vitals.filter((point) => point.entry.payload[name] !== null).map((point) => {
    const found = picture.baseline[name];
    const base = found === undefined || point.phase === 'pre' ? null : found.value;
    return [point, point.entry.payload[name], base];
  });
}

function baselineText(base, unit) {
  return base === null ? 'not recorded' : `${formatNumber(base, 2)}${unit}`;
}

function fever(picture, rule) {
  const limits = rule.thresholds;
  return measured(picture, 'temp_c').flatMap(([point, temp, base]) => {
    if (base === null) return [];
    const rise = roundHalfUp(temp - base, 1);
    if (!(temp >= limits.temp_c_min && rise >= limits.rise_c_min)) return [];
    return [finding([point.entry.id], { temp_c: temp, rise_c: rise, baseline_temp_c: base })];
  });
}

function feverSevere(picture, rule) {
  const limits = rule.thresholds;
  return measured(picture, 'temp_c').flatMap(([point, temp, base]) => {
    const rise = base === null ? null : roundHalfUp(temp - base, 1);
    if (!(temp >= limits.temp_c_min || (rise !== null && rise >= limits.rise_c_min))) return [];
    return [finding([point.entry.id], { temp_c: temp, baseline_text: baselineText(base, ' °C') })];
  });
}

function hypotension(picture, rule) {
  const limits = rule.thresholds;
  return measured(picture, 'sbp').flatMap(([point, sbp, base]) => {
    if (base === null) return [];
    const fall = roundHalfUp(base - sbp, 1);
    if (!(fall >= limits.fall_mmhg_min && sbp <= limits.sbp_max)) return [];
    return [finding([point.entry.id], { sbp, fall_mmhg: fall, baseline_sbp: base })];
  });
}

function anaphylaxisBp(picture, rule) {
  const limits = rule.thresholds;
  return measured(picture, 'sbp').flatMap(([point, sbp, base]) => {
    const percent = base === null ? null : roundHalfUp(sbp / base * 100, 1);
    if (!(sbp < limits.sbp_below || (percent !== null && percent < limits.baseline_pct_below))) return [];
    return [finding([point.entry.id], { sbp, baseline_text: baselineText(base, ' mmHg') })];
  });
}

// A rule on one measurement alone: every set where `fires(value, threshold)`.
const single = (name, threshold, fires) => (picture, rule) => measured(picture, name)
  .filter(([, value]) => fires(value, rule.thresholds[threshold]))
  .map(([point, value]) => finding([point.entry.id], { [name]: value }));
const atOrBelow = (value, limit) => value <= limit;
const over = (value, limit) => value > limit;

// Rule id -> [evaluate, thresholds its data row must provide].
export const VITAL_RULES = {
  fever: [fever, ['temp_c_min', 'rise_c_min']],
  fever_severe: [feverSevere, ['temp_c_min', 'rise_c_min']],
  hypotension: [hypotension, ['fall_mmhg_min', 'sbp_max']],
  anaphylaxis_bp: [anaphylaxisBp, ['sbp_below', 'baseline_pct_below']],
  hypoxia: [single('spo2', 'spo2_max', atOrBelow), ['spo2_max']],
  hr_high: [single('hr', 'hr_above', over), ['hr_above']],
  rr_high: [single('rr', 'rr_above', over), ['rr_above']],
};
