/**
 * `ticketflow replay` on throwaway topics and groups: each mode moves the committed offsets where Kafka's tool
 * would, every bad day is refused with exit 2 and leaves the offsets as they were, and `--stop` stops a live
 * group's supervised process, resets it, restarts it and follows it until it has read everything again.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { repoRoot } from '../../config/index.js';
import type { ServiceDefinition } from '../stack/service.js';
import type { Io } from './command.js';
import { SupervisedGroupProcesses } from './group-processes.js';
import { replay } from './replay.js';
import { commitGroupOffsets } from './consumer-groups.js';
import {
  cleanUp,
  committed,
  config,
  kafka,
  ticketflow,
  ticketflowHere,
  topicWithRecords,
  uniqueName,
} from './test-support.js';

const topic = uniqueName('tftest-replay');
const group = `tf.${uniqueName('test-replay')}`;
const base = Date.now() - 30 * 60_000;
const PER_PARTITION = 10;

before(async () => {
  await topicWithRecords(topic, [PER_PARTITION, PER_PARTITION, PER_PARTITION], {
    timestamp: (_p, i) => base + i * 1000,
  });
  await commitGroupOffsets(
    kafka,
    group,
    [0, 1, 2].map((partition) => ({ topic, partition, offset: PER_PARTITION })),
  );
});

after(() => cleanUp([topic], [group]));

const replayCli = (...args: string[]) => ticketflow(['replay', group, ...args]);

test('--dry-run prints the plan per partition and changes nothing', async () => {
  const { code, stdout, stderr } = await replayCli('--to-earliest', '--dry-run', '--json');
  assert.equal(code, 0, stderr);
  const plan = JSON.parse(stdout) as {
    partitions: Array<{ partition: number; current: number; target: number; delta: number }>;
  };
  assert.deepEqual(
    plan.partitions.map((p) => [p.partition, p.current, p.target, p.delta]),
    [
      [0, 10, 0, -10],
      [1, 10, 0, -10],
      [2, 10, 0, -10],
    ],
  );
  assert.deepEqual(await committed(group, topic), [10, 10, 10]);
});

test('each mode resets the group where asked, scoped by --partitions and --topic', async () => {
  const at = new Date(base + 2500).toISOString();
  let result = await replayCli('--to-datetime', at);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(await committed(group, topic), [3, 3, 3]);
  assert.match(
    result.stderr,
    new RegExp(`to undo: ticketflow replay ${group} --topic ${topic} --to-offset 0:10,1:10,2:10`),
  );

  result = await replayCli('--by-duration', 'PT1H', '--partitions', '0');
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(await committed(group, topic), [0, 3, 3]);

  result = await replayCli('--to-offset', '1:7', '--topic', topic);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(await committed(group, topic), [0, 7, 3]);
});

test('bad days are refused with exit 2 and a clear message, and nothing changes', async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.fetchTopicMetadata({ topics: [topic] });
  await admin.deleteTopicRecords({ topic, partitions: [{ partition: 2, offset: '2' }] });
  await admin.disconnect();
  const before = await committed(group, topic);
  const future = new Date(Date.now() + 3_600_000).toISOString();
  const cases: Array<[string[], RegExp]> = [
    [['replay', uniqueName('tf.nope'), '--to-earliest'], /unknown group/],
    [['replay', group, '--to-datetime', future], /is in the future/],
    [['replay', group, '--to-datetime', '2026-05-01 09:00'], /ISO-8601 time with a zone/],
    [['replay', group, '--by-duration', '1h'], /ISO-8601 duration/],
    [['replay', group, '--to-offset', '0:11'], /beyond the log end of .*\[0\] \(10\)/],
    [['replay', group, '--to-offset', '2:1'], /below the log start of .*\[2\] \(2\)/],
    [['replay', group, '--to-offset', '0:1', '--partitions', '1'], /scope is empty/],
    [['replay', group, '--to-earliest', '--partitions', '5'], /has no partition 5/],
    [['replay', group, '--to-earliest', '--topic', uniqueName('tftest-missing')], /unknown topic/],
    [['replay', group], /say where to/],
    [['replay', group, '--to-earliest', '--by-duration', 'PT1H'], /choose one of/],
  ];
  for (const [args, message] of cases) {
    const { code, stderr } = await ticketflowHere(args);
    assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
    assert.match(stderr, message, args.join(' '));
  }
  assert.deepEqual(await committed(group, topic), before);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const quietIo = (): Io & { err: string[] } => {
  const err: string[] = [];
  return {
    err,
    stdout: { write: () => true },
    stderr: { write: (chunk: string | Uint8Array) => (err.push(String(chunk)), true) },
  };
};

test('--stop stops the live group through the supervisor, resets it, restarts it and follows catch-up', async () => {
  const liveTopic = uniqueName('tftest-replay-live');
  const liveGroup = `tf.${uniqueName('test-replay-live')}`;
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'tf-replay-'));
  // The supervisor runs processes as the service user when the tests run as root; it must reach the folder.
  chmodSync(stateDir, 0o755);
  const port = await freePort();
  const count = async () => Number(await (await fetch(`http://127.0.0.1:${port}/count`)).text());
  const fixture: ServiceDefinition = {
    name: 'counting-consumer',
    dependsOn: [],
    startTimeoutMs: 60_000,
    ports: () => [port],
    endpoint: () => `http://127.0.0.1:${port}`,
    install: async () => undefined,
    process: async () => ({
      command: process.execPath,
      args: ['--import', 'tsx', path.join(repoRoot, 'ops/cli/fixtures/counting-consumer.ts')],
      cwd: repoRoot,
      env: {
        FIXTURE_TOPIC: liveTopic,
        FIXTURE_GROUP: liveGroup,
        FIXTURE_PORT: String(port),
        KAFKA_BROKERS: config.kafka.brokers.join(','),
      },
    }),
    healthy: async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.ok === true,
  };
  const processes = new SupervisedGroupProcesses(
    { ...config.stack, stateDir },
    [fixture],
    (name) => (name === fixture.name ? liveGroup : undefined),
    (text) => console.log(text),
  );
  const admin = kafka.admin();
  try {
    await topicWithRecords(liveTopic, [40, 40, 40]);
    await processes.start([fixture.name]);
    const deadline = Date.now() + 30_000;
    while ((await committed(liveGroup, liveTopic)).join() !== '40,40,40' && Date.now() < deadline) await sleep(300);
    assert.equal(await count(), 120);

    const refused = await ticketflow(['replay', liveGroup, '--to-earliest']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /live member.*--stop/);

    await admin.connect();
    const io = quietIo();
    const code = await replay(
      {
        group: liveGroup,
        target: { kind: 'earliest' },
        topics: null,
        partitions: null,
        dryRun: false,
        stop: true,
        json: false,
      },
      { kafka, admin, processes, io, pollMs: 200 },
    );
    assert.equal(code, 0, io.err.join(''));
    assert.ok(processes.isRunning(fixture.name), 'the process runs again');
    assert.deepEqual(await committed(liveGroup, liveTopic), [40, 40, 40]);
    // A new process that read all 120 records again: the reset took effect before it started.
    assert.equal(await count(), 120);
    assert.match(io.err.join(''), /caught up: 120 records/);
  } finally {
    await admin.disconnect();
    await processes.stop([fixture.name]);
    await cleanUp([liveTopic], [liveGroup]);
    rmSync(stateDir, { recursive: true, force: true });
  }
});
