import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { loadConfig } from '../../../config/index.js';

test('Redis: strings with TTL, sorted sets and an atomic Lua script', async () => {
  const redis = new Redis(loadConfig().redis.url);
  const prefix = `smoke:${randomUUID()}`;
  try {
    assert.equal(await redis.set(`${prefix}:k`, 'v', 'EX', 60, 'NX'), 'OK');
    assert.equal(await redis.set(`${prefix}:k`, 'other', 'EX', 60, 'NX'), null);
    assert.equal(await redis.get(`${prefix}:k`), 'v');
    const ttl = await redis.ttl(`${prefix}:k`);
    assert.ok(ttl > 0 && ttl <= 60, `ttl ${ttl}`);

    await redis.zadd(`${prefix}:queue`, '300', 't3', '100', 't1', '200', 't2');
    assert.deepEqual(await redis.zrange(`${prefix}:queue`, '0', '-1'), ['t1', 't2', 't3']);

    const incrTo = await redis.eval("return redis.call('INCRBY', KEYS[1], ARGV[1])", 1, `${prefix}:counter`, '5');
    assert.equal(incrTo, 5);
  } finally {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
});
