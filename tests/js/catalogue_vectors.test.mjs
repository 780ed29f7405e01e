// tests/vectors/catalogue.json against the tablet's loader (pwa/rules/catalog.js): an organization's edited
// row is accepted or refused exactly as server/clinical/products.py does (tests/clinical/test_catalogue_vectors.py).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import { findProtocol, loadCatalog } from '../../pwa/rules.js';

const readJson = (path) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const cases = readJson('../vectors/catalogue.json');
const packaged = readJson('../../server/clinical/data/products.json');

function documentWith(protocolId, changes) {
  return { ...packaged, products: packaged.products.map((row) => (row.protocol_id === protocolId ? { ...row, ...changes } : row)) };
}

describe('catalogue vectors', () => {
  for (const c of cases) {
    test(c.name, () => {
      const doc = documentWith(c.protocol_id, c.changes);
      if (!c.valid) {
        assert.throws(() => loadCatalog(doc), (error) => c.message === null || error.message.includes(c.message));
        return;
      }
      const protocol = findProtocol(loadCatalog(doc), c.protocol_id);
      assert.deepEqual([...protocol.ladder], c.expected.ladder);
      assert.equal(protocol.verified_on, c.expected.verified_on);
      for (const name of ['first_step_min', 'step_min', 'kind']) {
        if (name in c.expected) assert.equal(protocol[name], c.expected[name]);
      }
    });
  }
});
