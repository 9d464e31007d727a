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
    { ttlMs: 1000, now: () => now },
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
  const cached = new CachedKeyResolver(lookup, { ttlMs: 60_000 });
  assert.equal(await cached.resolve('new'), null);
  known = true;
  assert.equal(await cached.resolve('new'), owner, 'a key created a moment ago works at once');
  const uncached = new CachedKeyResolver(lookup, { ttlMs: 0 });
  await uncached.resolve('new');
  await uncached.resolve('new');
  assert.equal(lookups, 4);
});

test('while the lookup fails, a key verified within the stale window is still trusted; others get the error', async () => {
  let now = 0;
  let lookups = 0;
  let down = false;
  const resolver = new CachedKeyResolver(
    async (key) => {
      lookups++;
      if (down) throw new Error('connect ECONNREFUSED');
      return key === 'known' ? owner : null;
    },
    { ttlMs: 1000, staleIfErrorMs: 60_000, retryAfterMs: 500, now: () => now },
  );
  assert.equal(await resolver.resolve('known'), owner);
  down = true;
  now = 5000;
  assert.equal(await resolver.resolve('known'), owner, 'past its TTL, trusted while the database is away');
  assert.equal(lookups, 2);
  now = 5400;
  assert.equal(await resolver.resolve('known'), owner, 'within retryAfterMs: not asked again');
  assert.equal(lookups, 2);
  now = 5600;
  assert.equal(await resolver.resolve('known'), owner);
  assert.equal(lookups, 3, 'asked again once retryAfterMs has passed');
  await assert.rejects(resolver.resolve('never-seen'), /ECONNREFUSED/, 'a key never verified is not guessed');
  now = 61_001;
  await assert.rejects(resolver.resolve('known'), /ECONNREFUSED/, 'past the stale window the error stands');
  down = false;
  now = 62_000;
  assert.equal(await resolver.resolve('known'), owner);
});

test('a key revoked while the database answers is refused at once, stale window or not', async () => {
  let now = 0;
  let revoked = false;
  const resolver = new CachedKeyResolver(async () => (revoked ? null : owner), {
    ttlMs: 1000,
    staleIfErrorMs: 60_000,
    now: () => now,
  });
  assert.equal(await resolver.resolve('key'), owner);
  revoked = true;
  now = 2000;
  assert.equal(await resolver.resolve('key'), null);
});
