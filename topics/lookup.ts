/**
 * Questions asked of a topology: what a topic is, who writes and reads it, and which topics a consumer works
 * with. Unknown names throw, because a misspelt stage name must stop a process at start-up, not leave it
 * consuming nothing.
 */
import type { ConsumerNode, NodeSpec, Topology, TopicSpec } from './model.js';
import { isConsumer } from './model.js';
import { consumerGroupId } from './naming.js';

export function topicSpec(topology: Topology, name: string): TopicSpec {
  const found = topology.topics.find((t) => t.name === name);
  if (!found) throw new Error(`topic ${name} is not declared in topics/topology.ts`);
  return found;
}

export function nodeSpec(topology: Topology, name: string): NodeSpec {
  const found = topology.nodes.find((n) => n.name === name);
  if (!found) throw new Error(`node ${name} is not declared in topics/topology.ts`);
  return found;
}

/** Who puts records on a topic; for a dead-letter topic, the consumer it belongs to. */
export function writersOf(topology: Topology, topic: string): NodeSpec[] {
  return topology.nodes.filter((n) => n.outputs.includes(topic) || (isConsumer(n) && n.deadLetter === topic));
}

export function readersOf(topology: Topology, topic: string): ConsumerNode[] {
  return topology.nodes.filter(isConsumer).filter((n) => n.inputs.includes(topic));
}

/** Where a topic's records end up when a reader gives up on them: one dead-letter topic per reader. */
export function deadLettersOf(topology: Topology, topic: string): string[] {
  return readersOf(topology, topic).map((n) => n.deadLetter);
}

export interface ConsumerBinding {
  readonly name: string;
  readonly kind: ConsumerNode['kind'];
  readonly groupId: string;
  readonly inputs: readonly TopicSpec[];
  readonly outputs: readonly TopicSpec[];
  readonly deadLetter: TopicSpec;
}

/** Everything a stage or sink needs to run, by its name. */
export function consumerBinding(topology: Topology, name: string): ConsumerBinding {
  const node = nodeSpec(topology, name);
  if (!isConsumer(node)) throw new Error(`${name} is a source: it has no consumer group`);
  return {
    name,
    kind: node.kind,
    groupId: consumerGroupId(topology.namespace, name),
    inputs: node.inputs.map((t) => topicSpec(topology, t)),
    outputs: node.outputs.map((t) => topicSpec(topology, t)),
    deadLetter: topicSpec(topology, node.deadLetter),
  };
}
