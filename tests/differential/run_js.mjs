// The tablet's engine for the differential test (tests/differential/test_differential.py): reads visit
// cases as JSON lines on stdin, {name, context, events, now}, folds each with the public API of
// pwa/rules.js exactly as the tablet does (makeContext with the packaged data, then foldTimeline), and
// writes one JSON line per case: {name, state} or {name, error}. One process serves every case, so
// ten thousand visits cost one Node start.

import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

import {
  foldTimeline, loadCatalog, loadExpressionLanguage, loadOtherOrders, loadRulebook, makeContext,
} from '../../pwa/rules.js';

const readJson = (path) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const catalog = loadCatalog(readJson('../../server/clinical/data/products.json'));
const rulebook = loadRulebook(readJson('../../server/clinical/data/rules.json'), await loadExpressionLanguage(), readJson('../../server/clinical/data/facts.json'));
const ranges = readJson('../../server/clinical/data/ranges.json');
const orders = await loadOtherOrders(); // as the tablet: only for a visit that holds additional orders

// The fold's answer for one case; an engine that throws reports the error's class (as Python's side does).
function foldCase(visit) {
  try {
    const several = visit.context.other_orders?.length;
    const context = makeContext(visit.context, { catalog, rulebook, ranges, orders: several ? orders : null });
    return { name: visit.name, state: foldTimeline(visit.events, context, { now: visit.now }) };
  } catch (error) {
    return { name: visit.name, error: `${error.constructor.name}: ${error.message}` };
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
const out = [];
for await (const line of lines) {
  if (!line.trim()) continue;
  out.push(JSON.stringify(foldCase(JSON.parse(line))));
  if (out.length >= 200) process.stdout.write(`${out.splice(0).join('\n')}\n`);
}
if (out.length) process.stdout.write(`${out.join('\n')}\n`);
