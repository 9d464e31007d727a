import assert from 'node:assert/strict';
import { test } from 'node:test';
import { smallTopology } from './fixtures.js';
import { describeTopicPlan, managedConfigs, planTopology, refusals, type ObservedTopic } from './plan.js';

const topology = smallTopology();
const names = topology.topics.map((t) => t.name);

/** The cluster as apply leaves it: every topic as declared. */
function asDeclared(): ObservedTopic[] {
  return topology.topics.map((t) => ({ name: t.name, partitions: t.partitions, overrides: managedConfigs(t) }));
}

test('managed configs spell out the cleanup policy and its settings', () => {
  const [orders, quotes] = topology.topics;
  assert.deepEqual(managedConfigs(orders!), { 'cleanup.policy': 'delete', 'retention.ms': '86400000' });
  assert.deepEqual(managedConfigs(quotes!), {
    'cleanup.policy': 'compact',
    'retention.ms': '-1',
    'delete.retention.ms': '86400000',
  });
});

test('missing topics are created with their partitions and configs', () => {
  const plan = planTopology(topology, [], []);
  assert.deepEqual(
    plan.topics.map((t) => t.action),
    ['create', 'create', 'create', 'create'],
  );
  assert.equal(
    describeTopicPlan(plan.topics[0]!),
    'create: 2 partitions, cleanup.policy=delete, retention.ms=86400000 (1d)',
  );
  assert.match(describeTopicPlan(plan.topics[0]!, true), /^created: /);
});

test('a cluster that matches is unchanged', () => {
  const plan = planTopology(topology, asDeclared(), names);
  assert.ok(plan.topics.every((t) => t.action === 'unchanged'));
  assert.deepEqual(plan.undeclared, []);
});

test('more declared partitions grow the topic; drifted and hand-set configs are rewritten', () => {
  const observed = asDeclared();
  observed[0] = { ...observed[0]!, partitions: 1, overrides: { 'retention.ms': '1000', 'segment.ms': '60000' } };
  const plan = planTopology(topology, observed, names);
  const update = plan.topics[0]!;
  assert.equal(update.action, 'update');
  assert.ok(update.action === 'update');
  assert.deepEqual(update.partitions, { from: 1, to: 2 });
  assert.deepEqual(update.configChanges, [
    { name: 'cleanup.policy', from: null, to: 'delete' },
    { name: 'retention.ms', from: '1000', to: '86400000' },
    { name: 'segment.ms', from: '60000', to: null },
  ]);
  assert.deepEqual(update.configs, managedConfigs(topology.topics[0]!));
  assert.equal(
    describeTopicPlan(update),
    'update: partitions 1 -> 2; cleanup.policy (broker default) -> delete; ' +
      'retention.ms 1000 (1s) -> 86400000 (1d); segment.ms 60000 (1m) -> (broker default)',
  );
});

test('fewer declared partitions than exist is refused with the reason', () => {
  const observed = asDeclared();
  observed[0] = { ...observed[0]!, partitions: 5 };
  const plan = planTopology(topology, observed, names);
  const [refused] = refusals(plan);
  assert.equal(refused?.topic, 'test.orders.placed.v1');
  assert.match(describeTopicPlan(refused!), /^REFUSED: has 5 partitions but is declared with 2; Kafka cannot remove/);
});

test('undeclared topics in the namespace are listed, others ignored', () => {
  const plan = planTopology(topology, asDeclared(), [
    ...names,
    'test.orders.old.v0',
    'other.thing',
    '__consumer_offsets',
  ]);
  assert.deepEqual(plan.undeclared, ['test.orders.old.v0']);
});
