import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { probeRoutes } from './probes.js';

async function probes(checks: Record<string, () => Promise<void>>, options: object = {}) {
  const app = Fastify();
  await app.register(probeRoutes, { checks, registry: new Registry(), ...options });
  return app;
}

test('a store answering slowly under load keeps readiness steady, and /readyz itself stays fast', async () => {
  let delayMs = 0;
  let pings = 0;
  const app = await probes({ store: async () => void (pings++, await sleep(delayMs)) }, { cacheMs: 100 });
  try {
    assert.equal((await app.inject('/readyz')).statusCode, 200);
    // The store's ping now takes 1.5 s, as the query API's did at 20 requests/s.
    delayMs = 1500;
    for (let i = 0; i < 5; i++) {
      await sleep(150);
      const started = Date.now();
      const ready = await app.inject('/readyz');
      assert.equal(ready.statusCode, 200, `probe ${i}: ${ready.body}`);
      assert.ok(Date.now() - started < 500, `probe ${i} answered in ${Date.now() - started} ms`);
    }
    assert.ok(pings <= 3, `the store was pinged ${pings} times, not once per probe`);
  } finally {
    await app.close();
  }
});

test('a dependency that is down shows at the next probe; one that hangs, after the check timeout', async () => {
  let down = false;
  let hang = false;
  const app = await probes(
    {
      kafka: async () => {
        if (down) throw new Error('no Kafka broker accepts connections');
      },
      redis: () => (hang ? new Promise(() => undefined) : Promise.resolve()),
    },
    { cacheMs: 0, checkTimeoutMs: 300, waitMs: 50, staleMs: 100 },
  );
  try {
    assert.equal((await app.inject('/readyz')).statusCode, 200);
    down = true;
    const notReady = await app.inject('/readyz');
    assert.equal(notReady.statusCode, 503);
    assert.equal(notReady.json().checks.kafka, 'no Kafka broker accepts connections');
    down = false;
    hang = true;
    await sleep(150);
    const hung = await app.inject('/readyz');
    assert.equal(hung.json().checks.redis, 'no answer within 300 ms');
    assert.equal((await app.inject('/healthz')).statusCode, 200, 'liveness does not depend on the checks');
  } finally {
    await app.close();
  }
});

test('a degradable dependency that fails leaves the process ready, saying it is degraded', async () => {
  let postgresDown = false;
  let kafkaDown = false;
  const app = await probes(
    {
      kafka: async () => {
        if (kafkaDown) throw new Error('no broker');
      },
      postgres: async () => {
        if (postgresDown) throw new Error('connect ECONNREFUSED');
      },
    },
    { cacheMs: 0, degradable: ['postgres'] },
  );
  try {
    postgresDown = true;
    const degraded = await app.inject('/readyz');
    assert.equal(degraded.statusCode, 200);
    assert.deepEqual(degraded.json(), {
      status: 'degraded',
      checks: { kafka: 'ok', postgres: 'connect ECONNREFUSED' },
    });
    kafkaDown = true;
    const down = await app.inject('/readyz');
    assert.equal(down.statusCode, 503);
    assert.equal(down.json().status, 'not ready');
  } finally {
    await app.close();
  }
});
