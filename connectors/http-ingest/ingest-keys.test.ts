import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CachedKeyResolver, credentialOf, type IngestKeyOwner } from './ingest-keys.js';

test('the key comes from Authorization: Bearer, or else X-Ingest-Key', () => {
  assert.equal(credentialOf({ authorization: 'Bearer tfik_abc' }), 'tfik_abc');
  assert.equal(credentialOf({ authorization: 'bearer   tfik_abc ' }), 'tfik_abc');
  assert.equal(credentialOf({ 'x-ingest-key': ' tfik_abc ' }), 'tfik_abc');
  assert.equal(credentialOf({ authorization: 'Basic dXNlcjpwYXNz', 'x-ingest-key': 'tfik_x' }), 'tfik_x');
  assert.equal(credentialOf({ authorization: 'Bearer' }), undefined);
  assert.equal(credentialOf({}), undefined);
});

const owner: IngestKeyOwner = {
  keyId: 'k',
  org: { id: 'acme', name: 'Acme', ingestRatePerSec: null, ingestBurst: null, partitionKey: 'org' },
};

test('a verified key is trusted for the TTL, then asked about again', async () => {
  let now = 0;
  let lookups = 0;
  let revoked = false;
  const resolver = new CachedKeyResolver(
    async () => {
      lookups++;
      return revoked ? null : owner;
    },
    1000,
    () => now,
  );
  assert.equal(await resolver.resolve('key'), owner);
  revoked = true;
  now = 999;
  assert.equal(await resolver.resolve('key'), owner, 'still cached');
  now = 1000;
  assert.equal(await resolver.resolve('key'), null, 'revocation seen after the TTL');
  assert.equal(lookups, 2);
});

test('unknown keys are never cached, and a TTL of 0 asks every time', async () => {
  let known = false;
  let lookups = 0;
  const lookup = async () => {
    lookups++;
    return known ? owner : null;
  };
  const cached = new CachedKeyResolver(lookup, 60_000);
  assert.equal(await cached.resolve('new'), null);
  known = true;
  assert.equal(await cached.resolve('new'), owner, 'a key created a moment ago works at once');
  const uncached = new CachedKeyResolver(lookup, 0);
  await uncached.resolve('new');
  await uncached.resolve('new');
  assert.equal(lookups, 4);
});
