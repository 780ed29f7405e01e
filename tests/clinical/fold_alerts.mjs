// node tests/clinical/fold_alerts.mjs RULES.json VECTORS.json: the tablet's alerts for every case of a
// rules vector file, folded with the given rules.json, as JSON {name: alerts}. The Python walk-through
// (test_new_threshold_rule.py) runs it to show the tablet fires a rule added as data only.

import { readFileSync } from 'node:fs';

import { foldTimeline, loadCatalog, loadExpressionLanguage, loadRulebook, makeContext } from '../../pwa/rules.js';

const [rulesPath, vectorsPath] = process.argv.slice(2);
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const rulebook = loadRulebook(readJson(rulesPath), await loadExpressionLanguage(), readJson(new URL('../../server/clinical/data/facts.json', import.meta.url)));
if (rulebook.skipped.length) throw new Error(`rules skipped: ${JSON.stringify(rulebook.skipped)}`);
const catalog = loadCatalog(readJson(new URL('../../server/clinical/data/products.json', import.meta.url)));
const ranges = readJson(new URL('../../server/clinical/data/ranges.json', import.meta.url));
const alerts = Object.fromEntries(readJson(vectorsPath).map((vector) => {
  const context = makeContext(vector.context, { catalog, rulebook, ranges });
  return [vector.name, foldTimeline(vector.events, context, { now: vector.now }).alerts];
}));
process.stdout.write(JSON.stringify(alerts));
