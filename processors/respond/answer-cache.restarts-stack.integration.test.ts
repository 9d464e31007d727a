/**
 * The answer cache while the stack's Redis is stopped (`stack stop redis`, as `ticketflow stack stop redis` does):
 * drafts go on at once as bypasses, never an error and never a wait on Redis, and once Redis is started again
 * and the client has reconnected, answers are cached and served again.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../config/index.js';
import { stackServices } from '../../ops/stack/services/index.js';
import { Supervisor } from '../../ops/stack/supervisor.js';
import { bringBack } from '../testing/fault-kit.js';
import { Resources } from '../resources.js';
import { cachedGenerator } from './answer-cache.js';
import { extractiveGenerator } from './extractive.js';
import { refundRequest } from '../testing/answer-kit.js';

const run = randomUUID().slice(0, 8);
const ORG = `it-answers-outage-${run}`;
const config = loadConfig();
const supervisor = new Supervisor(config.stack, stackServices, () => undefined);
const resources = new Resources(config, pino({ level: 'silent' }));
const cache = resources.answerCache()!;
const { client: redis, dependency } = resources.redis();
const generator = cachedGenerator(extractiveGenerator(), cache);

after(async () => {
  // Redis back whatever happened, so the tests after this file find their stack.
  await bringBack(supervisor, 'redis');
  if (redis.status !== 'ready') await once(redis, 'ready');
  const keys = await redis.keys(`tf:answer:*${run}*`);
  if (keys.length > 0) await redis.del(...keys);
  await resources.close();
});

const request = (question: string) => refundRequest(ORG, question);

const outcomes = async () =>
  Object.fromEntries((await cache.metrics.lookups.get()).values.map((v) => [v.labels.outcome, v.value ?? 0]));

test('with Redis stopped, drafts are bypasses at once; started again, the cache serves again', async () => {
  if (redis.status !== 'ready') await once(redis, 'ready');
  const question = 'I was charged twice, please refund the duplicate charge';
  await generator.draft(request(question));
  assert.equal((await outcomes()).miss, 1);

  await supervisor.stop('redis');
  const timings: number[] = [];
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    const draft = await generator.draft(request(question));
    timings.push(performance.now() - started);
    assert.equal(draft.holding, false, 'drafted without the cache');
    await sleep(10);
  }
  const away = await outcomes();
  assert.equal(away.bypass, 20);
  assert.equal(away.hit ?? 0, 0);
  // No wait on Redis: the budget is the timeout (50 ms), and a disconnected client answers before it.
  assert.ok(Math.max(...timings) < config.answerCache.timeoutMs + 50, `slowest draft ${Math.max(...timings)} ms`);
  // The knowledge-base path's invalidation does not wait either: it reports that nothing could be removed.
  const invalidationStarted = performance.now();
  assert.equal(await cache.invalidateDocuments(ORG, ['doc-refunds']), null);
  assert.ok(performance.now() - invalidationStarted < config.answerCache.timeoutMs + 50);
  // The client knows it lost its connection, so the cache did not even try: nothing to trip, and a respond
  // process stays ready, as it is (it drafts without Redis).
  assert.notEqual(redis.status, 'ready');

  await bringBack(supervisor, 'redis');
  const deadline = Date.now() + 30_000;
  while ((dependency.state !== 'closed' || redis.status !== 'ready') && Date.now() < deadline) await sleep(100);
  assert.equal(redis.status, 'ready', 'the client reconnected');
  // The entry written before the stop survives it (the stack's Redis persists) or is drafted again.
  await generator.draft(request(question));
  await generator.draft(request(question));
  const back = await outcomes();
  assert.ok((back.hit ?? 0) >= 1, `served from the cache again (${JSON.stringify(back)})`);
});
