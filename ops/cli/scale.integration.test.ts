/**
 * Scaling a consumer group under load, as `ticketflow scale` does it, with real processes under a real
 * supervisor: pass-through instances on throwaway topics (the pipeline's own processors follow the same path
 * with their own names), scaled 1 → 3 → 1 while events keep arriving. Nothing may be lost; an event may come out
 * twice only under the same id (a unit redone after a rebalance), which the sinks recognise.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot } from '../../config/index.js';
import { deriveEventId } from '../../processors/runtime/ids.js';
import {
  collect,
  config,
  createTestTopics,
  interaction,
  kafka,
  produceInteractions,
  type TestTopics,
} from '../../processors/testing/kafka-kit.js';
import type { InteractionReceived } from '../../schemas/index.js';
import { freePort } from '../net.js';
import type { ServiceDefinition } from '../stack/service.js';
import { applyScale, planScale, type ScalePlan } from './scale.js';
import { SupervisedGroupProcesses } from './group-processes.js';

let topics: TestTopics;
let stateDir: string;

before(async () => {
  topics = await createTestTopics(['in', 'out', 'dlq'], 'InteractionReceived', 12);
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'tf-scale-'));
  // The supervisor runs processes as the service user when the tests run as root; it must reach the folder.
  chmodSync(stateDir, 0o755);
});

after(async () => {
  await topics?.dispose();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

async function instance(name: string, group: string): Promise<ServiceDefinition> {
  const [input, output, deadLetter] = topics.names as [string, string, string];
  const port = await freePort();
  return {
    name,
    dependsOn: [],
    startTimeoutMs: 90_000,
    ports: () => [port],
    endpoint: () => `http://127.0.0.1:${port}`,
    install: async () => undefined,
    process: async () => ({
      command: process.execPath,
      args: [
        '--import',
        'tsx',
        path.join(repoRoot, 'processors/passthrough/main.ts'),
        ...['--input', input, '--output', output, '--dead-letter', deadLetter, '--group', group, '--batch'],
      ],
      cwd: repoRoot,
      env: { PROBE_PORT: String(port), PROCESSOR_INSTANCE_ID: name, LOG_LEVEL: 'warn' },
    }),
    healthy: async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.ok === true,
  };
}

test('refusals name the rule and change nothing', () => {
  assert.throws(() => planScale('nope', 2, 1), /nope is not a processor the stack runs/);
  assert.throws(
    () => planScale('classify', 0, 1),
    /from 1 to 12; to stop classify, use `ticketflow stack stop classify`/,
  );
  assert.throws(() => planScale('classify', 13, 1), /more than 12 instances would idle/);
  assert.deepEqual(planScale('ticket-store', 1, 3), {
    processor: 'ticket-store',
    group: 'tf.ticket-store',
    instances: 1,
    start: ['ticket-store'],
    stop: ['ticket-store-3', 'ticket-store-2'],
  });
});

test('scaling 1 → 3 → 1 under load loses nothing and repeats only under the same ids', async () => {
  const group = `${topics.prefix}.scaled`;
  const names = ['passthrough', 'passthrough-2', 'passthrough-3'];
  const services = await Promise.all(names.map((n) => instance(n, group)));
  const processes = new SupervisedGroupProcesses(
    { ...config.stack, stateDir },
    services,
    (name) => (names.includes(name) ? group : undefined),
    () => undefined,
  );
  const plan = (instances: number, current: number): ScalePlan => ({
    processor: 'passthrough',
    group,
    instances,
    start: names.slice(0, instances),
    stop: names.slice(instances, current).reverse(),
  });
  const [input, output] = topics.names as [string, string];
  const out = await collect<InteractionReceived>(output, 'InteractionReceived');
  const admin = kafka.admin();
  await admin.connect();
  const sent: InteractionReceived[] = [];
  let producing = true;
  // A steady trickle across 60 conversations for the whole test: scaling happens under load.
  const load = (async () => {
    for (let i = 0; producing; i++) {
      const batch = Array.from({ length: 50 }, (_, j) => interaction(`org-${j % 7}`, `conv-${j % 60}`, `n ${i}-${j}`));
      await produceInteractions(input, batch);
      sent.push(...batch);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const options = { timeoutMs: 120_000, print: () => undefined, partitions: 12 };
  try {
    const one = await applyScale(plan(1, 1), processes, admin, options);
    assert.equal(one.members.length, 1);
    const three = await applyScale(plan(3, 1), processes, admin, options);
    assert.equal(three.members.length, 3);
    const counts = three.members.map((m) => m.assignment.reduce((s, a) => s + a.partitions.length, 0)).sort();
    assert.deepEqual(counts, [4, 4, 4], 'the twelve partitions are shared out evenly');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const back = await applyScale(plan(1, 3), processes, admin, options);
    assert.equal(back.members.length, 1);
    assert.ok(!processes.isRunning('passthrough-2') && !processes.isRunning('passthrough-3'));
    producing = false;
    await load;
    const expected = new Set(sent.map((e) => deriveEventId(e.meta.eventId, 'passthrough', 0)));
    await out.until((records) => expected.size <= new Set(records.map((r) => r.event!.meta.eventId)).size, 120_000);
    const ids = out.records.map((r) => r.event!.meta.eventId);
    assert.deepEqual(new Set(ids), expected, 'every event came out, and nothing else');
    const repeated = ids.length - expected.size;
    assert.ok(repeated <= ids.length * 0.2, `${repeated} repeated under the same ids`);
  } finally {
    producing = false;
    await load.catch(() => undefined);
    await processes.stop(names.filter((n) => processes.isRunning(n)));
    await out.stop();
    await admin.disconnect();
  }
});
