import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PerEventRunner } from './per-event.js';
import { DEFERRED } from './settle.js';
import { ItemFailure, type BatchItem, type Envelope, type StageContext } from './stage.js';

type Event = Envelope & { name: string };

const items = (...names: string[]): BatchItem<Event>[] =>
  names.map((name) => ({ event: { name, meta: {} as Event['meta'] }, context: {} as StageContext }));
const lanes = (...names: string[]) => names.map((n) => n.split(':')[0]!);

test('a synchronous handler runs in a plain loop, and a failure defers the rest of its lane only', async () => {
  const seen: string[] = [];
  const runner = new PerEventRunner<Event, Event>((event) => {
    seen.push(event.name);
    if (event.name === 'a:2') throw new Error('no');
    return [event];
  }, 4);
  const names = ['a:1', 'b:1', 'a:2', 'b:2', 'a:3'];
  const answers = await runner.run(items(...names), lanes(...names));
  assert.deepEqual(seen, ['a:1', 'b:1', 'a:2', 'b:2']);
  assert.ok(answers[2] instanceof ItemFailure);
  assert.equal(answers[4], DEFERRED);
  assert.deepEqual((answers[3] as Event[])[0]!.name, 'b:2');
});

test('an asynchronous handler keeps each lane in order, runs lanes side by side, under the concurrency bound', async () => {
  let active = 0;
  let peak = 0;
  const order = new Map<string, string[]>();
  const runner = new PerEventRunner<Event, Event>(async (event) => {
    active += 1;
    peak = Math.max(peak, active);
    await sleep(5);
    const [lane] = event.name.split(':');
    order.set(lane!, [...(order.get(lane!) ?? []), event.name]);
    active -= 1;
    return [event];
  }, 3);
  const names = Array.from({ length: 40 }, (_, i) => `${'abcdefgh'[i % 8]}:${i}`);
  const answers = await runner.run(items(...names), lanes(...names));
  assert.equal(answers.length, 40);
  assert.ok(peak <= 3 && peak > 1, `peak ${peak}`);
  for (const [lane, seen] of order) {
    assert.deepEqual(
      seen,
      names.filter((n) => n.startsWith(`${lane}:`)),
    );
  }
});

test('a handler found to return promises mid-batch keeps what it answered synchronously and its lane order', async () => {
  const calls: string[] = [];
  const runner = new PerEventRunner<Event, Event>((event) => {
    calls.push(event.name);
    return event.name === 'a:2' ? Promise.resolve([event]) : [event];
  }, 2);
  const names = ['a:1', 'b:1', 'a:2', 'a:3', 'b:2'];
  const answers = await runner.run(items(...names), lanes(...names));
  assert.deepEqual(
    calls.filter((c) => c.startsWith('a:')),
    ['a:1', 'a:2', 'a:3'],
  );
  assert.equal(calls.length, names.length, 'each called once');
  assert.deepEqual(
    answers.map((a) => (a as Event[])[0]!.name),
    names,
  );
});
