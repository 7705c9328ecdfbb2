// Every OFREP response of a real aurora-server, checked against the protocol's OpenAPI document
// (testdata/ofrep-openapi.yaml, OFREP 0.3.0; see testdata/SOURCE.md): the status must be one the
// operation documents, the body must validate against that status's schema (and be JSON), and
// documented headers (the bulk ETag) must be present. Covers 200, 304, 400 (PARSE_ERROR,
// INVALID_CONTEXT, TARGETING_KEY_MISSING, GENERAL), 404 (FLAG_NOT_FOUND).
//
// Run: AURORA_SERVER_BIN=build/…/aurora-server node --test schema.test.mjs (or tests/ofrep/run.sh).

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

import { AuroraServer, seed } from './support.mjs';

const here = dirname(fileURLToPath(import.meta.url));

// The OFREP document: OFREP_OPENAPI, else the copy in testdata/.
function findOpenApi() {
  const candidates = [
    process.env.OFREP_OPENAPI,
    resolve(here, 'testdata/ofrep-openapi.yaml'),
  ].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`the OFREP openapi.yaml was not found (set OFREP_OPENAPI); looked at:\n${candidates.join('\n')}`);
  return found;
}

const openapiPath = findOpenApi();
const doc = parse(readFileSync(openapiPath, 'utf8'));

// Two fixes to the document's schemas, without which no response carrying a value can be
// valid: `evaluationSuccess` requires exactly one of booleanFlag | stringFlag | integerFlag |
// floatFlag | objectFlag | codeDefaultFlag to match (oneOf), but
//  - codeDefaultFlag is `{type: object, properties: {}}`, which every object matches; its
//    description says it "has no value property", so it becomes "an object without `value`";
//  - floatFlag's `type: number` also matches integers, which integerFlag takes; it becomes
//    "a number that is not an integer".
// Everything else (reasons, error codes, required fields, metadata types) is as published.
const components = structuredClone(doc.components);
components.schemas.codeDefaultFlag = {
  ...components.schemas.codeDefaultFlag,
  properties: undefined,
  not: { required: ['value'] },
};
delete components.schemas.codeDefaultFlag.properties;
components.schemas.floatFlag.properties.value = { type: 'number', not: { type: 'integer' } };
const patched = { ...doc, components };

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
ajv.addFormat('float', { type: 'number', validate: () => true });
ajv.addSchema(patched, 'ofrep');

const escape = (s) => s.replaceAll('~', '~0').replaceAll('/', '~1');
const validators = new Map();
function validatorFor(pointer) {
  if (!validators.has(pointer)) validators.set(pointer, ajv.compile({ $ref: `ofrep#${pointer}` }));
  return validators.get(pointer);
}

const SINGLE = '/ofrep/v1/evaluate/flags/{key}';
const BULK = '/ofrep/v1/evaluate/flags';

/**
 * A request the tests send must fit the operation's requestBody schema, so they speak OFREP
 * too. Exceptions, marked by the callers: bodies that are wrong on purpose, and contexts without
 * `targetingKey`, which the OFREP context schema requires but providers send whenever the
 * application set none (Aurora answers them, see docs/ofrep.md).
 */
function checkRequest(template, body) {
  if (typeof body === 'string' || !('targetingKey' in (body.context ?? {}))) return;
  const pointer = `/paths/${escape(template)}/post/requestBody/content/${escape('application/json')}/schema`;
  const validate = validatorFor(pointer);
  assert.ok(validate(body), `request ${JSON.stringify(body)} does not fit ${template}: ${ajv.errorsText(validate.errors)}`);
}

/** Checks one response against the document; returns it. */
function checkResponse(template, res, what) {
  const operation = doc.paths[template].post;
  const documented = operation.responses[String(res.status)];
  assert.ok(documented, `${what}: status ${res.status} is not documented for POST ${template} (body ${res.text})`);
  for (const name of Object.keys(documented.headers ?? {})) {
    if (name === 'Retry-After') continue;
    assert.ok(res.headers.get(name), `${what}: status ${res.status} must carry ${name}`);
  }
  const content = documented.content?.['application/json'];
  if (!content) {
    // 304 has no body; 401/403 leave it unspecified (Aurora sends its usual error object).
    if (res.status === 304) assert.equal(res.text, '', `${what}: a 304 has no body`);
    return res;
  }
  assert.match(res.headers.get('content-type') ?? '', /^application\/json\b/, `${what}: content-type`);
  assert.notEqual(res.json, undefined, `${what}: the body is not JSON: ${res.text}`);
  const pointer = `/paths/${escape(template)}/post/responses/${res.status}/content/${escape('application/json')}/schema`;
  const validate = validatorFor(pointer);
  assert.ok(
    validate(res.json),
    `${what}: ${res.status} ${res.text}\ndoes not validate against ${openapiPath} ${pointer}:\n${ajv.errorsText(validate.errors, { separator: '\n' })}`,
  );
  return res;
}

describe('OFREP responses validate against the OFREP OpenAPI document', () => {
  const server = new AuroraServer();
  const seen = { reasons: new Set(), errorCodes: new Set(), statuses: new Set() };

  async function single(key, body, what = `POST ${SINGLE} ${key} ${JSON.stringify(body)}`) {
    checkRequest(SINGLE, body);
    const res = await server.request('POST', `/ofrep/v1/evaluate/flags/${encodeURIComponent(key)}`, { body });
    checkResponse(SINGLE, res, what);
    seen.statuses.add(`single ${res.status}`);
    if (res.json?.reason) seen.reasons.add(res.json.reason);
    if (res.json?.errorCode) seen.errorCodes.add(res.json.errorCode);
    return res;
  }

  async function bulk(body, headers = {}, what = `POST ${BULK} ${JSON.stringify(body)}`) {
    checkRequest(BULK, body);
    const res = await server.request('POST', '/ofrep/v1/evaluate/flags', { body, headers });
    checkResponse(BULK, res, what);
    seen.statuses.add(`bulk ${res.status}`);
    for (const flag of res.json?.flags ?? []) {
      if (flag.reason) seen.reasons.add(flag.reason);
      if (flag.errorCode) seen.errorCodes.add(flag.errorCode);
    }
    return res;
  }

  const contexts = [
    { targetingKey: 'user-1' },
    { targetingKey: 'user-2', country: 'US', plan: 'pro', age: 42 },
    { targetingKey: 'user-3', country: 'CA', plan: 'free', age: 18, vip: true, tags: ['a'], address: { city: 'X' }, none: null },
    { country: 'US' },
    {},
  ];
  const flags = ['new-checkout', 'welcome-message', 'max-items', 'ratio', 'ui-config', 'beta-banner', 'killed', 'hero-title', 'list-value', 'nothing'];

  before(async () => {
    await server.start();
    await seed(server);
  });
  after(async () => {
    await server.stop();
  });

  test('single-flag answers for every flag and context', async () => {
    for (const key of flags) {
      for (const context of contexts) {
        const res = await single(key, { context });
        assert.ok([200, 400].includes(res.status), `${key} ${JSON.stringify(context)} -> ${res.status} ${res.text}`);
      }
    }
    // The users of the experiment fall in both variants, and each answer is a SPLIT.
    const variants = new Set();
    for (let i = 0; i < 20; i++) {
      const res = await single('hero-title', { context: { targetingKey: `user_${i}` } });
      assert.equal(res.json.reason, 'SPLIT');
      variants.add(res.json.variant);
    }
    assert.equal(variants.size, 2);
  });

  test('values keep their OFREP types', async () => {
    const ctx = { context: { targetingKey: 'user-2', country: 'US', plan: 'pro', age: 42 } };
    assert.equal((await single('new-checkout', ctx)).json.value, true);
    assert.equal((await single('welcome-message', ctx)).json.value, 'Howdy');
    assert.equal((await single('max-items', ctx)).json.value, 25);
    assert.equal((await single('ratio', ctx)).json.value, 0.75);
    assert.deepEqual((await single('ui-config', ctx)).json.value, { theme: 'dark', columns: 4 });
    const nothing = (await single('nothing', ctx)).json;
    assert.equal('value' in nothing, false, 'a null value is answered as codeDefaultFlag');
  });

  test('404 FLAG_NOT_FOUND', async () => {
    const res = await single('no-such-flag', { context: { targetingKey: 'user-1' } });
    assert.equal(res.status, 404);
    assert.equal(res.json.errorCode, 'FLAG_NOT_FOUND');
    assert.equal(res.json.key, 'no-such-flag');
  });

  test('400 PARSE_ERROR for a body that is not a JSON object', async () => {
    for (const body of ['not json', '', '[1, 2]', '"context"', '{"context": {}, "context": {}}']) {
      const res = await single('welcome-message', body, `POST ${SINGLE} body ${JSON.stringify(body)}`);
      assert.equal(res.status, 400, body);
      assert.equal(res.json.errorCode, 'PARSE_ERROR', body);
      assert.equal(res.json.key, 'welcome-message');
    }
  });

  test('400 INVALID_CONTEXT for a missing or malformed context', async () => {
    for (const body of ['{}', '{"context": null}', '{"context": "user-1"}', '{"context": [1]}', '{"context": {"targetingKey": 42}}']) {
      const res = await single('welcome-message', body, `POST ${SINGLE} body ${body}`);
      assert.equal(res.status, 400, body);
      assert.equal(res.json.errorCode, 'INVALID_CONTEXT', body);
    }
  });

  test('400 TARGETING_KEY_MISSING when the answer buckets by the targeting key', async () => {
    for (const key of ['beta-banner', 'hero-title']) {
      const res = await single(key, { context: { country: 'US' } });
      assert.equal(res.status, 400);
      assert.equal(res.json.errorCode, 'TARGETING_KEY_MISSING');
    }
    // Flags that do not bucket need no key.
    assert.equal((await single('welcome-message', { context: {} })).status, 200);
  });

  test('400 GENERAL for a value OFREP cannot carry', async () => {
    const res = await single('list-value', { context: { targetingKey: 'user-1' } });
    assert.equal(res.status, 400);
    assert.equal(res.json.errorCode, 'GENERAL');
  });

  test('bulk: 200 with ETag, 304 on If-None-Match, 200 again after a change', async () => {
    const body = { context: { targetingKey: 'user-2', country: 'US', plan: 'pro', age: 42 } };
    const first = await bulk(body);
    assert.equal(first.status, 200);
    const etag = first.headers.get('etag');
    assert.ok(etag);
    assert.deepEqual(first.json.flags.map((f) => f.key).sort(), [...flags].sort());
    const notModified = await bulk(body, { 'If-None-Match': etag });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.headers.get('etag'), etag);
    // Another context is another answer.
    const other = await bulk({ context: { targetingKey: 'user-3' } }, { 'If-None-Match': etag });
    assert.equal(other.status, 200);
    assert.notEqual(other.headers.get('etag'), etag);
    // Every context of the single-flag test, in bulk.
    for (const context of contexts) assert.equal((await bulk({ context })).status, 200);
    await server.create('parameters', { name: 'late-flag', dataType: 'string', defaultValue: 'x' });
    const changed = await bulk(body, { 'If-None-Match': etag });
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get('etag'), etag);
  });

  test('bulk: 400 PARSE_ERROR and INVALID_CONTEXT', async () => {
    let res = await bulk('{oops', {}, `POST ${BULK} body {oops`);
    assert.equal(res.status, 400);
    assert.equal(res.json.errorCode, 'PARSE_ERROR');
    res = await bulk('{"context": 7}', {}, `POST ${BULK} body {"context": 7}`);
    assert.equal(res.status, 400);
    assert.equal(res.json.errorCode, 'INVALID_CONTEXT');
  });

  test('401 without a valid SDK key', async (t) => {
    if (!server.sdkKey) return t.skip('auth is off (AURORA_TEST_AUTH_ENABLED=true turns it on)');
    const body = { context: { targetingKey: 'user-1' } };
    for (const headers of [{}, { Authorization: 'Bearer aur_sdk_wrong' }, { 'X-API-Key': 'aur_sdk_wrong' }]) {
      const one = await server.request('POST', '/ofrep/v1/evaluate/flags/welcome-message', { body, headers, anonymous: true });
      assert.equal(checkResponse(SINGLE, one, `single ${JSON.stringify(headers)}`).status, 401);
      const all = await server.request('POST', '/ofrep/v1/evaluate/flags', { body, headers, anonymous: true });
      assert.equal(checkResponse(BULK, all, `bulk ${JSON.stringify(headers)}`).status, 401);
    }
    const viaHeader = await server.request('POST', '/ofrep/v1/evaluate/flags/welcome-message', {
      body,
      headers: { 'X-API-Key': server.sdkKey },
      anonymous: true,
    });
    assert.equal(checkResponse(SINGLE, viaHeader, 'X-API-Key').status, 200);
  });

  test('the answers covered every reason and error code Aurora gives', () => {
    for (const reason of ['STATIC', 'TARGETING_MATCH', 'SPLIT', 'DISABLED', 'UNKNOWN']) {
      assert.ok(seen.reasons.has(reason), `no answer had reason ${reason}`);
    }
    for (const code of ['PARSE_ERROR', 'INVALID_CONTEXT', 'TARGETING_KEY_MISSING', 'GENERAL', 'FLAG_NOT_FOUND']) {
      assert.ok(seen.errorCodes.has(code), `no answer had error code ${code}`);
    }
    for (const status of ['single 200', 'single 400', 'single 404', 'bulk 200', 'bulk 304', 'bulk 400']) {
      assert.ok(seen.statuses.has(status), `no ${status} answer`);
    }
  });
});

describe('the schema check itself', () => {
  // The fixes above must not make the check vacuous: these are not OFREP.
  const success = () => validatorFor(`/paths/${escape(SINGLE)}/post/responses/200/content/${escape('application/json')}/schema`);
  test('rejects what OFREP does not allow', () => {
    const validate = success();
    assert.equal(validate({ key: 'a', value: true, reason: 'STATIC' }), true);
    assert.equal(validate({ key: 'a', value: 3, reason: 'STATIC' }), true);
    assert.equal(validate({ key: 'a', value: 3.5, reason: 'STATIC' }), true);
    assert.equal(validate({ key: 'a', reason: 'STATIC' }), true);
    assert.equal(validate({ key: 'a', value: true, reason: 'DEFAULT' }), false, 'DEFAULT is not an OFREP 0.3.0 reason');
    assert.equal(validate({ key: 'a', value: [1], reason: 'STATIC' }), false, 'arrays are not values');
    assert.equal(validate({ key: 'a', value: null, reason: 'STATIC' }), false, 'null is not a value');
    assert.equal(validate({ value: true, reason: 'STATIC' }), false, 'key is required');
    assert.equal(validate({ key: 'a', value: true, reason: 'STATIC', metadata: { a: [1] } }), false, 'metadata is flat');
  });
});
