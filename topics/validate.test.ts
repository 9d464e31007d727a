import assert from 'node:assert/strict';
import { test } from 'node:test';
import { smallTopology } from './fixtures.js';
import type { NodeSpec, Topology, TopicSpec } from './model.js';
import { assertValidTopology, validateTopology } from './validate.js';

const base = smallTopology();
const [orders, quotes, priceDlq] = base.topics as [TopicSpec, TopicSpec, TopicSpec, TopicSpec];

function withTopics(topics: TopicSpec[], t: Topology = base): Topology {
  return { ...t, topics };
}
function withNodes(nodes: NodeSpec[], t: Topology = base): Topology {
  return { ...t, nodes };
}
function replaceNode(name: string, node: NodeSpec): Topology {
  return withNodes(base.nodes.map((n) => (n.name === name ? node : n)));
}
function problems(t: Topology): string {
  return validateTopology(t).join('\n');
}

test('the fixture itself is valid', () => {
  assert.deepEqual(validateTopology(base), []);
  assert.doesNotThrow(() => assertValidTopology(base));
});

test('a topic declared twice is reported', () => {
  assert.match(
    problems(withTopics([...base.topics, orders])),
    /topic test.orders.placed.v1 is declared more than once/,
  );
});

test('a node declared twice is reported', () => {
  assert.match(problems(withNodes([...base.nodes, base.nodes[0]!])), /node shop is declared more than once/);
});

test('names must follow the convention', () => {
  const renamed = withTopics([{ ...orders, name: 'orders' }, ...base.topics.slice(1)]);
  assert.match(problems(renamed), /topic orders: event topic names follow test.<domain>.<event>.v<major>/);
  const dlqDomain = withTopics([{ ...orders, name: 'test.dlq.x.v1' }, ...base.topics.slice(1)]);
  assert.match(problems(dlqDomain), /test.dlq.x.v1: event topic names follow/);
  assert.match(problems(replaceNode('shop', { kind: 'source', name: 'Shop', outputs: [orders.name] })), /node Shop/);
});

test('a node using an undeclared topic is reported', () => {
  const t = replaceNode('shop', { kind: 'source', name: 'shop', outputs: [orders.name, 'test.orders.lost.v1'] });
  assert.match(problems(t), /node shop: uses undeclared topic test.orders.lost.v1/);
});

test('a consumer without its own declared dead-letter topic is reported', () => {
  const noDlqTopic = withTopics(base.topics.filter((t) => t.name !== priceDlq.name));
  assert.match(problems(noDlqTopic), /node price: dead-letter topic test.dlq.price is not declared as one/);
  const shared = replaceNode('price', {
    kind: 'stage',
    name: 'price',
    inputs: [orders.name],
    outputs: [quotes.name],
    deadLetter: 'test.dlq.store',
  });
  assert.match(problems(shared), /node price: its dead-letter topic must be test.dlq.price/);
  assert.match(problems(shared), /topic test.dlq.price: belongs to 0 consumers/);
});

test('dead letters are not events: no schema, not an input or output, and they age out', () => {
  assert.match(
    problems(withTopics([orders, quotes, { ...priceDlq, eventType: 'X' }, base.topics[3]!])),
    /no event type/,
  );
  const compacted = { ...priceDlq, cleanup: { policy: 'compact', tombstoneRetentionMs: 1000 } } as const;
  assert.match(problems(withTopics([orders, quotes, compacted, base.topics[3]!])), /must age out/);
  const reader = replaceNode('store', {
    kind: 'sink',
    name: 'store',
    inputs: [orders.name, quotes.name, priceDlq.name],
    outputs: [],
    deadLetter: 'test.dlq.store',
  });
  assert.match(problems(reader), /reads or writes dead-letter topic test.dlq.price as an event/);
});

test('each event topic has exactly one writer and at least one reader', () => {
  const twoWriters = withNodes([...base.nodes, { kind: 'source', name: 'other-shop', outputs: [orders.name] }]);
  assert.match(problems(twoWriters), /topic test.orders.placed.v1: has 2 writers instead of one/);
  const unread = replaceNode('store', {
    kind: 'sink',
    name: 'store',
    inputs: [orders.name],
    outputs: [],
    deadLetter: 'test.dlq.store',
  });
  assert.match(problems(unread), /topic test.orders.quotes.v1: nobody reads it/);
});

test('stage and sink shapes are enforced', () => {
  const sinkWrites = replaceNode('store', {
    kind: 'sink',
    name: 'store',
    inputs: [orders.name, quotes.name],
    outputs: [quotes.name, orders.name],
    deadLetter: 'test.dlq.store',
  });
  assert.match(problems(sinkWrites), /node store: a sink writes at most one topic, the changelog of its store/);
  const idle = replaceNode('price', {
    kind: 'stage',
    name: 'price',
    inputs: [],
    outputs: [],
    deadLetter: 'test.dlq.price',
  });
  assert.match(problems(idle), /node price: writes no topic/);
  assert.match(problems(idle), /node price: reads no topic/);
});

test('a compacted topic must be keyed by entity, and settings must be sane', () => {
  assert.match(
    problems(withTopics([orders, { ...quotes, key: { kind: 'org' } }, ...base.topics.slice(2)])),
    /test.orders.quotes.v1: a compacted topic keeps one record per key, so its key must name an entity/,
  );
  assert.match(problems(withTopics([{ ...orders, partitions: 0 }, ...base.topics.slice(1)])), /partitions must be/);
  const badRetention = { ...orders, cleanup: { policy: 'delete', retentionMs: -5 } } as const;
  assert.match(problems(withTopics([badRetention, ...base.topics.slice(1)])), /retention must be/);
  assert.throws(
    () => assertValidTopology(withTopics([{ ...orders, partitions: 0 }, ...base.topics.slice(1)])),
    /invalid topology/,
  );
});
