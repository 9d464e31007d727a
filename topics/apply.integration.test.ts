/**
 * apply against the stack's Kafka: creates a small topology under a namespace of its own, then checks that
 * re-applying is a no-op, that growth and config drift are applied, and that shrinking is refused.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import kafkajs, { Kafka, logLevel, type Admin } from 'kafkajs';
import { loadConfig } from '../config/index.js';
import { ApplyRefusedError, applyTopology } from './apply.js';
import { smallTopology } from './fixtures.js';
import { DAY_MS, type Topology } from './model.js';
import { managedConfigs } from './plan.js';

const { ConfigResourceTypes, ConfigSource } = kafkajs;

const config = loadConfig();
const kafka = new Kafka({
  clientId: `${config.kafka.clientId}-topics-test`,
  brokers: config.kafka.brokers,
  logLevel: logLevel.NOTHING,
  connectionTimeout: 3000,
});
const namespace = `tftest-${randomUUID().slice(0, 8)}`;
const ORDERS = `${namespace}.orders.placed.v1`;
const QUOTES = `${namespace}.orders.quotes.v1`;

let admin: Admin;

async function partitionCount(topic: string): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  return topics[0]?.partitions.length ?? 0;
}

/** Metadata can trail a partition change by a moment; wait for it rather than racing it. */
async function waitForPartitions(topic: string, expected: number): Promise<number> {
  const deadline = Date.now() + 10_000;
  let count = await partitionCount(topic);
  while (count !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    count = await partitionCount(topic);
  }
  return count;
}

async function overrides(topic: string): Promise<Record<string, string>> {
  const { resources } = await admin.describeConfigs({
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
    includeSynonyms: false,
  });
  const entries = resources[0]?.configEntries ?? [];
  return Object.fromEntries(
    entries.filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG).map((e) => [e.configName, e.configValue]),
  );
}

async function apply(topology: Topology) {
  const lines: string[] = [];
  const report = await applyTopology(admin, topology, { log: (line) => lines.push(line) });
  return { report, lines };
}

before(async () => {
  admin = kafka.admin();
  await admin.connect();
});

after(async () => {
  const ours = (await admin.listTopics()).filter((t) => t.startsWith(`${namespace}.`));
  if (ours.length > 0) await admin.deleteTopics({ topics: ours });
  await admin.disconnect();
});

test('apply creates every topic with its partitions and configs', async () => {
  const topology = smallTopology({ namespace });
  const { report, lines } = await apply(topology);
  assert.equal(report.applied, true);
  assert.deepEqual(
    report.plan.topics.map((t) => t.action),
    ['create', 'create', 'create', 'create'],
  );
  assert.equal(lines.filter((l) => l.includes('  created: ')).length, 4);
  for (const spec of topology.topics) {
    assert.equal(await partitionCount(spec.name), spec.partitions, spec.name);
    assert.deepEqual(await overrides(spec.name), managedConfigs(spec), spec.name);
  }
  assert.equal((await overrides(QUOTES))['cleanup.policy'], 'compact');
});

test('a second apply changes nothing', async () => {
  const { report, lines } = await apply(smallTopology({ namespace }));
  assert.ok(report.plan.topics.every((t) => t.action === 'unchanged'));
  assert.equal(lines.length, 4);
  assert.ok(
    lines.every((l) => l.endsWith('  unchanged')),
    lines.join('\n'),
  );
});

test('a dry run reports the change but makes none', async () => {
  const lines: string[] = [];
  const report = await applyTopology(admin, smallTopology({ namespace, partitions: 3 }), {
    dryRun: true,
    log: (l) => lines.push(l),
  });
  assert.equal(report.applied, false);
  assert.ok(
    lines.some((l) => l.startsWith(ORDERS) && l.includes('update: partitions 2 -> 3')),
    lines.join('\n'),
  );
  assert.equal(await partitionCount(ORDERS), 2);
});

test('more partitions and a new retention are applied, and hand-set overrides removed', async () => {
  const current = smallTopology({ namespace });
  // A setting someone made by hand, outside the declaration.
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      {
        type: ConfigResourceTypes.TOPIC,
        name: ORDERS,
        configEntries: Object.entries({ ...managedConfigs(current.topics[0]!), 'segment.ms': '3600000' }).map(
          ([name, value]) => ({ name, value }),
        ),
      },
    ],
  });
  const grown = smallTopology({ namespace, partitions: 4, retentionMs: 3 * DAY_MS });
  const { report, lines } = await apply(grown);
  const orders = report.plan.topics[0]!;
  assert.equal(orders.action, 'update');
  assert.match(lines[0]!, /updated: partitions 2 -> 4; retention\.ms 86400000 \(1d\) -> 259200000 \(3d\); segment\.ms/);
  assert.ok(report.plan.topics.slice(1).every((t) => t.action === 'unchanged'));
  assert.ok(report.warnings.some((w) => w.startsWith(`${ORDERS}: keys now hash to different partitions`)));
  assert.equal(await waitForPartitions(ORDERS, 4), 4);
  // A loaded broker answers describeConfigs with the old values for a moment after the change.
  const wanted = { 'cleanup.policy': 'delete', 'retention.ms': String(3 * DAY_MS) };
  let seen = await overrides(ORDERS);
  for (
    const deadline = Date.now() + 10_000;
    Date.now() < deadline && JSON.stringify(seen) !== JSON.stringify(wanted);
  ) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    seen = await overrides(ORDERS);
  }
  assert.deepEqual(seen, wanted);

  const again = await apply(grown);
  assert.ok(again.report.plan.topics.every((t) => t.action === 'unchanged'));
});

test('fewer partitions are refused with a clear error and nothing is changed', async () => {
  const shrunk = smallTopology({ namespace, partitions: 3, retentionMs: 5 * DAY_MS });
  const lines: string[] = [];
  await assert.rejects(applyTopology(admin, shrunk, { log: (l) => lines.push(l) }), (error: unknown) => {
    assert.ok(error instanceof ApplyRefusedError);
    assert.match(error.message, /apply refused, nothing was changed/);
    assert.match(error.message, new RegExp(`${ORDERS} has 4 partitions but is declared with 3; Kafka cannot remove`));
    return true;
  });
  assert.ok(
    lines.some((l) => l.startsWith(ORDERS) && l.includes('REFUSED')),
    lines.join('\n'),
  );
  assert.equal(await partitionCount(ORDERS), 4);
  assert.equal((await overrides(ORDERS))['retention.ms'], String(3 * DAY_MS));
});
