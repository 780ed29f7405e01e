// The tablet's payload checks are built from server/clinical/data/payloads.json, the file the server
// builds its pydantic models from (tests/clinical/test_payload_data.py checks that side): every kind and
// every field of the data is checked, required exactly when the data says so, and nothing else.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import { CURRENT_SCHEMA } from '../../pwa/rules.js';
import { CROSS_CHECKS, FIELDS, PAYLOAD_TYPES } from '../../pwa/rules/payload_schemas.js';

const data = JSON.parse(readFileSync(new URL('../../server/clinical/data/payloads.json', import.meta.url), 'utf8'));
// A field of the data is required when it is a type alone (not {nullable: type} or {type, default}).
const requiredInData = (spec) => typeof spec === 'string' || !(Object.hasOwn(spec, 'nullable') || Object.hasOwn(spec, 'default'));
const requiredBuilt = (check) => typeof check === 'function';

describe('payloads.json on the tablet', () => {
  test('every kind of the data is checked at its schema, and no other kind', () => {
    assert.deepEqual(Object.keys(FIELDS), Object.keys(data.kinds));
    assert.deepEqual(Object.keys(PAYLOAD_TYPES), Object.keys(data.kinds));
    assert.deepEqual(CURRENT_SCHEMA, Object.fromEntries(Object.entries(data.kinds).map(([k, s]) => [k, s.schema])));
  });

  test('each kind has the fields of the data, in order, required exactly as declared', () => {
    for (const [kind, spec] of Object.entries(data.kinds)) {
      const built = Object.entries(FIELDS[kind]).map(([name, check]) => [name, requiredBuilt(check)]);
      const declared = Object.entries(spec.fields).map(([name, field]) => [name, requiredInData(field)]);
      assert.deepEqual(built, declared, kind);
    }
  });

  test('cross-field checks belong to kinds of the data', () => {
    assert.deepEqual(Object.keys(CROSS_CHECKS).filter((kind) => !Object.hasOwn(data.kinds, kind)), []);
  });
});
