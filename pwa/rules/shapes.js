// The shape of each data document is one JSON Schema (NAME.schema.json, a symlink to
// server/clinical/data/, which server/clinical/shapes.py checks with): one definition for both sides.
// Errors are worded from schema_words.json, the server's table; defaults the schema declares are filled
// in here, because a JSON Schema validator only checks.

import { Validator } from '../vendor/json-schema/validator.js';
import { packagedJson } from './packaged.js';

export const WORDS = await packagedJson(new URL('./schema_words.json', import.meta.url));

// A JSON object (not null, not a list).
export const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

// Loaded data is shared by every fold: freeze it so nothing can change it by accident.
export function deepFreeze(value) {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

// NAME.schema.json, shipped with this code (the documents themselves come with the reference).
export const loadSchema = (name) => packagedJson(new URL(`./${name}.schema.json`, import.meta.url));

const resolve = (schema, root) => (schema.$ref ? { ...root.$defs[schema.$ref.split('/').at(-1)], ...schema } : schema);
const words = (value) => (Array.isArray(value) ? value.map(words).join(', ')
  : typeof value === 'string' ? `'${value}'` : JSON.stringify(value));
const parts = (pointer) => pointer.split('/').slice(1)
  .map((part) => decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~'));
// The value at a JSON pointer ("#/a/0/b") of the instance, or of the schema through its $refs.
const at = (value, pointer, root = null) => parts(pointer)
  .reduce((node, part) => (root && part === '$ref' ? resolve(node, root) : node[part]), value);
// "products.products[3].ladder", as the server writes it.
const pathText = (base, pointer) => base
  + parts(pointer).map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`)).join('');

// The keyword's value in words; "additionalProperties" names the fields the object has but may not.
function said({ keyword, keywordLocation }, limit, instance, schema) {
  if (keyword === 'type') return [limit].flat().map((name) => WORDS.types[name]).join(' or ');
  if (keyword === 'format') return limit;
  if (keyword !== 'additionalProperties') return words(limit);
  const { properties = {} } = at(schema, keywordLocation.replace(/\/[^/]*$/, ''), schema);
  return Object.keys(instance).filter((key) => !Object.hasOwn(properties, key)).join(', ');
}

// The error as [path, reason] pairs in the table's words ([] for the validator's summaries of errors below).
function problems(error, value, schema, base) {
  const text = WORDS.keywords[error.keyword], where = pathText(base, error.instanceLocation);
  if (text === undefined) return [];
  const limit = at(schema, error.keywordLocation, schema), instance = at(value, error.instanceLocation);
  if (error.keyword === 'additionalProperties' && limit !== false) return [];
  if (error.keyword === 'required') {
    return limit.filter((name) => !Object.hasOwn(instance, name)).map((name) => [`${where}.${name}`, text]);
  }
  return [[where, text.replace('{}', said(error, limit, instance, schema))]];
}

// `value` (checked) with every field the schema gives a default for and the value leaves out.
function withDefaults(value, schema, root) {
  const spec = resolve(schema, root);
  if (Array.isArray(value)) return spec.items ? value.map((item) => withDefaults(item, spec.items, root)) : value;
  if (!isObject(value)) return value;
  const fields = spec.properties ?? {}, other = isObject(spec.additionalProperties) ? spec.additionalProperties : {};
  const out = Object.fromEntries(Object.entries(value)
    .map(([key, item]) => [key, withDefaults(item, fields[key] ?? other, root)]));
  for (const [key, field] of Object.entries(fields)) {
    if (!Object.hasOwn(value, key) && Object.hasOwn(field, 'default')) out[key] = structuredClone(field.default);
  }
  return out;
}

// A check of a document by its schema (or of its `$defs` part): it returns the value with its defaults,
// or throws an Error naming every field that does not fit (`base` starts each path).
export function checker(schema, part = null) {
  const target = part ? { $defs: schema.$defs, $ref: `#/$defs/${part}` } : schema;
  const validator = new Validator(target, '2020-12', false);
  return (value, base) => {
    const { errors } = validator.validate(value);
    const found = new Map(errors.flatMap((error) => problems(error, value, target, base))
      .map((problem) => [problem.join(': '), problem]));
    const order = ([pa, ra], [pb, rb]) => (pa === pb ? (ra < rb ? -1 : 1) : pa < pb ? -1 : 1);
    if (found.size) throw new Error([...found.values()].sort(order).map((p) => p.join(': ')).join('; '));
    return withDefaults(value, target, schema);
  };
}
