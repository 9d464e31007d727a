import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Lanes } from './lanes.js';

test('items of one key run in order, keys run concurrently, and the shared bound holds', async () => {
  const lanes = new Lanes(3);
  const items = Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 5}`, seq: Math.floor(i / 5) }));
  const seen = new Map<string, number[]>();
  let running = 0;
  let peak = 0;
  const results = await lanes.run(
    items,
    (item) => item.key,
    async (item) => {
      running++;
      peak = Math.max(peak, running);
      await sleep(Math.random() * 5);
      seen.set(item.key, [...(seen.get(item.key) ?? []), item.seq]);
      running--;
      return `${item.key}/${item.seq}`;
    },
  );
  assert.deepEqual(
    results,
    items.map((i) => `${i.key}/${i.seq}`),
  );
  for (const order of seen.values()) assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
  assert.equal(peak, 3);
});

test('a failure in one lane rejects the run', async () => {
  const lanes = new Lanes(2);
  await assert.rejects(
    lanes.run(
      ['a', 'b'],
      (x) => x,
      async (x) => {
        if (x === 'b') throw new Error('lane b failed');
        return x;
      },
    ),
    /lane b failed/,
  );
});
