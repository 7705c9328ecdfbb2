// End to end with the official OpenFeature packages, unmodified: @openfeature/server-sdk with
// @openfeature/ofrep-provider against a real aurora-server. Boolean, string, number and object
// flags, targeting, an experiment split (the variant the provider reports is the one Aurora's
// /api/v1/evaluate reports for the same user), the kill switch, and errors (a missing flag gives
// the default value and FLAG_NOT_FOUND).
//
// Run: AURORA_SERVER_BIN=build/…/aurora-server node --test provider.test.mjs (or tests/ofrep/run.sh).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { OFREPProvider } from '@openfeature/ofrep-provider';
import { ErrorCode, OpenFeature, StandardResolutionReasons } from '@openfeature/server-sdk';

import { AuroraServer, seed } from './support.mjs';

describe('OpenFeature server SDK + OFREP provider against aurora-server', () => {
  const server = new AuroraServer();
  let client;
  let experiment;

  before(async () => {
    await server.start();
    experiment = await seed(server);
    // The provider's documented options: the base URL and headers (the SDK key when auth is on).
    const headers = server.sdkKey ? { Authorization: `Bearer ${server.sdkKey}` } : {};
    await OpenFeature.setProviderAndWait(new OFREPProvider({ baseUrl: server.baseUrl, headers }));
    client = OpenFeature.getClient('aurora-ofrep-test');
  });
  after(async () => {
    await OpenFeature.close();
    await server.stop();
  });

  test('boolean flag with targeting', async () => {
    const pro = await client.getBooleanDetails('new-checkout', false, { targetingKey: 'user-1', plan: 'pro' });
    assert.equal(pro.value, true);
    assert.equal(pro.reason, StandardResolutionReasons.TARGETING_MATCH);
    assert.equal(pro.variant, 'pro-users');
    assert.equal(pro.errorCode, undefined);
    assert.equal(pro.flagMetadata.source, 'rule');
    assert.equal(pro.flagMetadata.ruleId, 'pro-users');
    const free = await client.getBooleanDetails('new-checkout', true, { targetingKey: 'user-1', plan: 'free' });
    assert.equal(free.value, false, 'the flag default, not the code default');
    assert.equal(free.variant, 'default');
    assert.equal(free.flagMetadata.source, 'default');
    assert.equal(await client.getBooleanValue('new-checkout', false, { targetingKey: 'user-2', plan: 'pro' }), true);
  });

  test('string flag with targeting', async () => {
    assert.equal(await client.getStringValue('welcome-message', 'x', { targetingKey: 'user-1', country: 'US' }), 'Howdy');
    const other = await client.getStringDetails('welcome-message', 'x', { targetingKey: 'user-1', country: 'FR' });
    assert.equal(other.value, 'Hello');
    assert.equal(other.errorCode, undefined);
  });

  test('number flags', async () => {
    assert.equal(await client.getNumberValue('max-items', 0, { targetingKey: 'user-1', age: 31 }), 25);
    assert.equal(await client.getNumberValue('max-items', 0, { targetingKey: 'user-1', age: 30 }), 10);
    const ratio = await client.getNumberDetails('ratio', 0, { targetingKey: 'user-1' });
    assert.equal(ratio.value, 0.75);
    assert.equal(ratio.reason, StandardResolutionReasons.STATIC);
  });

  test('object flag with targeting', async () => {
    const pro = await client.getObjectDetails('ui-config', {}, { targetingKey: 'user-1', plan: 'pro' });
    assert.deepEqual(pro.value, { theme: 'dark', columns: 4 });
    assert.equal(pro.reason, StandardResolutionReasons.TARGETING_MATCH);
    assert.deepEqual(await client.getObjectValue('ui-config', {}, { targetingKey: 'user-1' }), { theme: 'light', columns: 3 });
  });

  test('a rollout is a split over targeting keys', async () => {
    const values = new Set();
    for (let i = 0; i < 40; i++) {
      const d = await client.getBooleanDetails('beta-banner', false, { targetingKey: `user_${i}` });
      assert.equal(d.errorCode, undefined);
      if (d.value) {
        assert.equal(d.reason, StandardResolutionReasons.SPLIT);
        assert.equal(d.variant, 'beta-half');
      }
      const aurora = await server.evaluate('beta-banner', { user_id: `user_${i}` });
      assert.equal(d.value, aurora.value, `user_${i}`);
      values.add(d.value);
    }
    assert.deepEqual([...values].sort(), [false, true]);
  });

  test('an experiment split reports the variant /api/v1/evaluate reports', async () => {
    const variants = new Set();
    for (let i = 0; i < 30; i++) {
      const user = `user_${i}`;
      const d = await client.getStringDetails('hero-title', 'code default', { targetingKey: user });
      const aurora = await server.evaluate('hero-title', { user_id: user });
      assert.equal(aurora.source, 'experiment');
      assert.equal(aurora.experimentId, experiment.id);
      assert.equal(d.value, aurora.value, user);
      assert.equal(d.reason, StandardResolutionReasons.SPLIT);
      assert.equal(d.variant, `experiment-${aurora.experimentId}-variant-${aurora.variantId}`, user);
      assert.equal(d.flagMetadata.experimentId, aurora.experimentId);
      assert.equal(d.flagMetadata.variantId, aurora.variantId);
      variants.add(d.variant);
    }
    assert.equal(variants.size, 2, 'thirty users fall in both variants');
    // Without a targeting key the experiment cannot bucket: the code default and the error.
    const anonymous = await client.getStringDetails('hero-title', 'code default', {});
    assert.equal(anonymous.value, 'code default');
    assert.equal(anonymous.errorCode, ErrorCode.TARGETING_KEY_MISSING);
  });

  test('the kill switch answers the flag default with DISABLED', async () => {
    const d = await client.getBooleanDetails('killed', true, { targetingKey: 'user-1' });
    assert.equal(d.value, false);
    assert.equal(d.reason, StandardResolutionReasons.DISABLED);
  });

  test('a missing flag gives the code default and FLAG_NOT_FOUND', async () => {
    const d = await client.getBooleanDetails('no-such-flag', true, { targetingKey: 'user-1' });
    assert.equal(d.value, true);
    assert.equal(d.errorCode, ErrorCode.FLAG_NOT_FOUND);
    assert.equal(d.reason, StandardResolutionReasons.ERROR);
    assert.equal(await client.getStringValue('no-such-flag', 'fallback', { targetingKey: 'user-1' }), 'fallback');
  });

  test('asking for the wrong type gives the code default and TYPE_MISMATCH', async () => {
    const d = await client.getNumberDetails('welcome-message', 7, { targetingKey: 'user-1' });
    assert.equal(d.value, 7);
    assert.equal(d.errorCode, ErrorCode.TYPE_MISMATCH);
  });

  test('the SDK key also works as X-API-Key', async (t) => {
    if (!server.sdkKey) return t.skip('auth is off (AURORA_TEST_AUTH_ENABLED=true turns it on)');
    const provider = new OFREPProvider({ baseUrl: server.baseUrl, headers: { 'X-API-Key': server.sdkKey } });
    await OpenFeature.setProviderAndWait('x-api-key', provider);
    const other = OpenFeature.getClient('x-api-key');
    assert.equal(await other.getStringValue('welcome-message', 'x', { targetingKey: 'user-1', country: 'US' }), 'Howdy');
    // ... and a wrong key is refused: the code default with a general error.
    const wrong = new OFREPProvider({ baseUrl: server.baseUrl, headers: { 'X-API-Key': 'aur_sdk_wrong' } });
    await OpenFeature.setProviderAndWait('wrong-key', wrong);
    const refused = await OpenFeature.getClient('wrong-key').getStringDetails('welcome-message', 'x', { targetingKey: 'u' });
    assert.equal(refused.value, 'x');
    assert.notEqual(refused.errorCode, undefined);
  });
});
