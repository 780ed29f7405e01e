// The alert engine (port of server/clinical/rules.py): run every enabled rule of the rule book over a
// visit's clinical picture. Alerts get a deterministic id "{rule}:{first event id}", so the tablet and
// the server name the same alert the same way; messages are filled from the rules data; an alert that a
// stronger rule on the same entry supersedes (fever_severe over fever) is dropped.

import { formatNumber } from './rounding.js';
import { compareText } from './events.js';
import { RATE_RULES } from './rate_rules.js';
import { parseRulebook } from './rulebook.js';
import { SCHEDULE_RULES } from './schedule.js';
import { VISIT_RULES } from './visit_rules.js';
import { VITAL_RULES } from './vital_rules.js';

// Rule id -> [evaluate(picture, spec) -> findings, thresholds its data row must provide].
const RULE_CODE = { ...VITAL_RULES, ...RATE_RULES, ...VISIT_RULES, ...SCHEDULE_RULES };

const sortedText = (items) => [...items].sort(compareText);
const quoted = (items) => `[${sortedText(items).map((i) => `'${i}'`).join(', ')}]`;

// The rule book from the rules.json document, checked against the code: every rule present exactly
// once, with the thresholds its code reads. Throws on bad data.
export function loadRulebook(rulesDoc) {
  const book = parseRulebook(rulesDoc);
  const ids = Object.keys(book.rules);
  const missing = Object.keys(RULE_CODE).filter((id) => !ids.includes(id));
  const unknown = ids.filter((id) => !Object.hasOwn(RULE_CODE, id));
  if (missing.length || unknown.length) {
    throw new Error(`rules data: missing ${quoted(missing)}, unknown ${quoted(unknown)}`);
  }
  for (const [id, [, thresholds]] of Object.entries(RULE_CODE)) {
    const absent = thresholds.filter((name) => !Object.hasOwn(book.rules[id].thresholds, name));
    if (absent.length) throw new Error(`rules data: rule '${id}' lacks thresholds ${quoted(absent)}`);
  }
  return book;
}

// Fill {name} placeholders; numbers are written half-up to 0.01 without trailing zeros.
function renderMessage(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => {
    if (!Object.hasOwn(values, name)) throw new Error(`message placeholder {${name}} has no value`);
    const value = values[name];
    return typeof value === 'string' ? value : formatNumber(value, 2);
  });
}

function alertOf(spec, found) {
  const values = { ...spec.thresholds, ...found.values };
  return {
    id: `${spec.id}:${found.event_ids[0]}`, rule: spec.id, severity: spec.severity,
    message: renderMessage(spec.message, values), event_ids: [...found.event_ids],
  };
}

function withoutSuperseded(alerts, book) {
  const fired = new Set(alerts.map((alert) => `${alert.rule}\u0000${alert.event_ids[0]}`));
  const stronger = Object.values(book.rules).filter((spec) => spec.enabled);
  return alerts.filter((alert) => !stronger.some((spec) =>
    fired.has(`${spec.id}\u0000${alert.event_ids[0]}`) && spec.supersedes.includes(alert.rule)));
}

// Alerts {id, rule, severity, message, event_ids} of the picture, ordered by the fold position of
// their entry, then by rule id.
export function evaluateAlerts(picture) {
  const book = picture.context.rulebook;
  const alerts = sortedText(Object.keys(book.rules)).filter((id) => book.rules[id].enabled)
    .flatMap((id) => RULE_CODE[id][0](picture, book.rules[id]).map((found) => alertOf(book.rules[id], found)));
  const position = new Map(picture.entries.map((entry, index) => [entry.id, index]));
  const at = (alert) => position.get(alert.event_ids[0]) ?? -1;
  return withoutSuperseded(alerts, book).sort((a, b) => (at(a) - at(b)) || compareText(a.rule, b.rule));
}
