// A reference document read as a tablet reads it (pwa/visit_model.js clinicalFor), each visit folded with
// no entries yet. Prints {header, engine, visits: {id: {protocol, other_orders} | {error}}}.
// tests/api/test_reference_shape.py runs it on each shape with this checkout's pwa/; by hand, given a
// previous release's pwa/ (`git archive <commit> pwa | tar -x -C /tmp/old`), it checks that release's code.
//
//   node tests/api/reference_engine.mjs <reference.json> [<pwa dir>]

import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [file, pwa = new URL('../../pwa/', import.meta.url).pathname] = process.argv.slice(2);
const code = (name) => import(pathToFileURL(resolve(pwa, name)).href);
const [{ clinicalFor }, api] = await Promise.all([code('visit_model.js'), code('api.js')]);
const reference = JSON.parse(readFileSync(file, 'utf8'));

const clinical = await clinicalFor(reference);
const visits = {};
for (const visit of clinical ? reference.visits : []) {
  try {
    clinical.fold(visit, [], new Date());
    const context = clinical.context(visit);
    visits[visit.id] = { protocol: context.protocol.id, other_orders: (context.other_orders ?? []).length };
  } catch (error) {
    visits[visit.id] = { error: String(error.message ?? error) };
  }
}
const header = [api.REFERENCE_SHAPE_HEADER ?? null, api.REFERENCE_SHAPE ?? null];
process.stdout.write(JSON.stringify({ header, engine: clinical !== null, visits }));
