/**
 * Checks a topology declaration for mistakes the type system cannot see: duplicate or misnamed topics,
 * edges to topics that do not exist, topics nobody writes or reads, consumers without a dead-letter topic.
 * Returns every problem rather than the first, so one run shows all that needs fixing.
 */
import { FOREVER, isConsumer, type Topology, type TopicSpec } from './model.js';
import { deadLetterTopicName, isEventTopicName, isNodeName } from './naming.js';

const AVRO_RECORD_NAME = /^[A-Z][A-Za-z0-9]*$/;

function duplicates(names: readonly string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const name of names) (seen.has(name) ? repeated : seen).add(name);
  return [...repeated];
}

const isDuration = (ms: number): boolean => Number.isSafeInteger(ms) && ms > 0;

function topicProblems(topology: Topology, topic: TopicSpec): string[] {
  const problems: string[] = [];
  const at = `topic ${topic.name}`;
  if (topic.kind === 'event') {
    if (!isEventTopicName(topology.namespace, topic.name)) {
      problems.push(`${at}: event topic names follow ${topology.namespace}.<domain>.<event>.v<major>`);
    }
    if (topic.eventType === null || !AVRO_RECORD_NAME.test(topic.eventType)) {
      problems.push(`${at}: needs an Avro record name as its event type`);
    }
    if (topic.key.kind === 'input') problems.push(`${at}: only dead letters keep their input's key`);
  } else {
    if (topic.key.kind !== 'input') problems.push(`${at}: dead letters keep the failed input's key`);
    if (topic.eventType !== null) problems.push(`${at}: dead letters keep any input type, so no event type`);
    if (topic.cleanup.policy !== 'delete') problems.push(`${at}: dead letters must age out (cleanup delete)`);
  }
  if (!Number.isSafeInteger(topic.partitions) || topic.partitions < 1) {
    problems.push(`${at}: partitions must be a positive integer, not ${topic.partitions}`);
  }
  if (topic.cleanup.policy === 'delete') {
    if (topic.cleanup.retentionMs !== FOREVER && !isDuration(topic.cleanup.retentionMs)) {
      problems.push(`${at}: retention must be a positive number of ms or FOREVER`);
    }
  } else {
    if (!isDuration(topic.cleanup.tombstoneRetentionMs)) {
      problems.push(`${at}: tombstone retention must be a positive number of ms`);
    }
    if (topic.key.kind !== 'entity') {
      problems.push(`${at}: a compacted topic keeps one record per key, so its key must name an entity`);
    }
  }
  return problems;
}

function edgeProblems(topology: Topology): string[] {
  const problems: string[] = [];
  const topics = new Map(topology.topics.map((t) => [t.name, t]));
  for (const node of topology.nodes) {
    const at = `node ${node.name}`;
    if (!isNodeName(node.name)) problems.push(`${at}: names are lower-case words joined by '-'`);
    const edges = isConsumer(node) ? [...node.inputs, ...node.outputs] : node.outputs;
    for (const name of duplicates(edges)) problems.push(`${at}: lists ${name} twice`);
    for (const name of edges) {
      const topic = topics.get(name);
      if (!topic) problems.push(`${at}: uses undeclared topic ${name}`);
      else if (topic.kind !== 'event') problems.push(`${at}: reads or writes dead-letter topic ${name} as an event`);
    }
    if (node.outputs.length === 0 && node.kind !== 'sink') problems.push(`${at}: writes no topic`);
    if (!isConsumer(node)) continue;
    if (node.inputs.length === 0) problems.push(`${at}: reads no topic`);
    if (node.kind === 'sink' && node.outputs.length > 1) {
      problems.push(`${at}: a sink writes at most one topic, the changelog of its store`);
    }
    const expected = deadLetterTopicName(topology.namespace, node.name);
    if (node.deadLetter !== expected) problems.push(`${at}: its dead-letter topic must be ${expected}`);
    else if (topics.get(expected)?.kind !== 'dead-letter') {
      problems.push(`${at}: dead-letter topic ${expected} is not declared as one`);
    }
  }
  return problems;
}

function ownershipProblems(topology: Topology): string[] {
  const problems: string[] = [];
  const consumers = topology.nodes.filter(isConsumer);
  for (const topic of topology.topics) {
    const at = `topic ${topic.name}`;
    if (topic.kind === 'dead-letter') {
      const owners = consumers.filter((n) => n.deadLetter === topic.name);
      if (owners.length !== 1) problems.push(`${at}: belongs to ${owners.length} consumers instead of one`);
      continue;
    }
    // One writer per topic, so a topic's events have one meaning and one place to fix them.
    const writers = topology.nodes.filter((n) => n.outputs.includes(topic.name));
    if (writers.length !== 1) problems.push(`${at}: has ${writers.length} writers instead of one`);
    if (!consumers.some((n) => n.inputs.includes(topic.name))) problems.push(`${at}: nobody reads it`);
  }
  return problems;
}

export function validateTopology(topology: Topology): string[] {
  return [
    ...duplicates(topology.topics.map((t) => t.name)).map((n) => `topic ${n} is declared more than once`),
    ...duplicates(topology.nodes.map((n) => n.name)).map((n) => `node ${n} is declared more than once`),
    ...topology.topics.flatMap((t) => topicProblems(topology, t)),
    ...edgeProblems(topology),
    ...ownershipProblems(topology),
  ];
}

export function assertValidTopology(topology: Topology): void {
  const problems = validateTopology(topology);
  if (problems.length > 0) throw new Error(`invalid topology:\n  ${problems.join('\n  ')}`);
}
