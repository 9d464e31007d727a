import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../config/index.js';
import { consumerBinding, isConsumer, readersOf, ticketflow, TOPIC, topicSpec, writersOf } from './topology.js';
import { validateTopology } from './validate.js';

test('the ticketflow topology passes every check', () => {
  assert.deepEqual(validateTopology(ticketflow), []);
});

test('an interaction flows from ingest through every stage to routing', () => {
  const path: string[] = [];
  let topic: string = TOPIC.interactionReceived;
  for (;;) {
    const stage = readersOf(ticketflow, topic).find((n) => n.kind === 'stage');
    if (!stage) break;
    path.push(stage.name);
    assert.equal(stage.outputs.length, 1);
    topic = stage.outputs[0]!;
  }
  assert.deepEqual(path, ['enrich', 'classify', 'retrieve', 'respond', 'route']);
  assert.equal(topic, TOPIC.routingDecided);
  assert.deepEqual(
    writersOf(ticketflow, TOPIC.interactionReceived).map((n) => n.name),
    ['http-ingest'],
  );
});

test('the ticket store reads the steps that bring new facts and publishes its changelog; the other views follow it', () => {
  const sinks = ticketflow.nodes.filter((n) => n.kind === 'sink').map((n) => n.name);
  assert.deepEqual(sinks, ['ticket-store', 'search-index', 'live-views', 'kb-index']);
  const store = consumerBinding(ticketflow, 'ticket-store');
  const inputs = store.inputs.map((t) => t.name);
  assert.ok(inputs.includes(TOPIC.ticketCommand));
  assert.deepEqual(
    inputs.filter((t) => t.startsWith('tf.interactions.')),
    [TOPIC.interactionReceived, TOPIC.interactionGrounded, TOPIC.routingDecided],
  );
  assert.deepEqual(
    store.outputs.map((t) => t.name),
    [TOPIC.ticketChanged],
  );
  for (const name of ['search-index', 'live-views']) {
    assert.deepEqual(
      consumerBinding(ticketflow, name).inputs.map((t) => t.name),
      [TOPIC.ticketChanged],
      name,
    );
  }
});

test('a consumer binding gives the group, its topics and its own dead-letter topic', () => {
  const enrich = consumerBinding(ticketflow, 'enrich');
  assert.equal(enrich.groupId, 'tf.enrich');
  assert.deepEqual(
    enrich.inputs.map((t) => t.name),
    [TOPIC.interactionReceived],
  );
  assert.deepEqual(
    enrich.outputs.map((t) => t.name),
    [TOPIC.interactionEnriched],
  );
  assert.equal(enrich.deadLetter.name, 'tf.dlq.enrich');
  assert.equal(enrich.deadLetter.kind, 'dead-letter');
  const groups = ticketflow.nodes.filter(isConsumer).map((n) => consumerBinding(ticketflow, n.name).groupId);
  assert.equal(new Set(groups).size, groups.length);
});

test('lookups of unknown names and of sources fail loudly', () => {
  assert.throws(() => consumerBinding(ticketflow, 'enrichh'), /node enrichh is not declared/);
  assert.throws(() => consumerBinding(ticketflow, 'http-ingest'), /is a source/);
  assert.throws(() => topicSpec(ticketflow, 'tf.nope.v1'), /topic tf.nope.v1 is not declared/);
});

test('state is compacted and keyed by entity, events age out and are keyed by org', () => {
  for (const name of [TOPIC.knowledgeDocument, TOPIC.knowledgeChunk]) {
    const spec = topicSpec(ticketflow, name);
    assert.equal(spec.cleanup.policy, 'compact', name);
    assert.equal(spec.key.kind, 'entity', name);
  }
  for (const name of [TOPIC.interactionReceived, TOPIC.routingDecided, TOPIC.ticketCommand]) {
    const spec = topicSpec(ticketflow, name);
    assert.equal(spec.cleanup.policy, 'delete', name);
    assert.equal(spec.key.kind, 'org', name);
    assert.equal(spec.partitions, 12, name);
  }
});

function avroRecordNames(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.avsc'))
    .map((e) => JSON.parse(readFileSync(path.join(e.parentPath, e.name), 'utf8')) as { name?: unknown })
    .flatMap((schema) => (typeof schema.name === 'string' ? [schema.name.split('.').pop()!] : []));
}

test('every event type has an Avro schema under schemas/avro', (t) => {
  const names = new Set(avroRecordNames(path.join(repoRoot, 'schemas', 'avro')));
  if (names.size === 0) {
    t.skip('no .avsc files in schemas/avro yet');
    return;
  }
  const missing = ticketflow.topics.flatMap((topic) =>
    topic.eventType && !names.has(topic.eventType) ? [`${topic.name}: ${topic.eventType}`] : [],
  );
  assert.deepEqual(missing, []);
});
