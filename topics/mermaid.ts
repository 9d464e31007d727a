/**
 * The topology as a mermaid flowchart: nodes and topics as shapes, writes and reads as arrows, dead letters
 * dotted and set apart. Output depends only on declaration order, so a regenerated diagram diffs cleanly.
 */
import { isConsumer, type NodeSpec, type Topology, type TopicSpec } from './model.js';

const id = (prefix: string, name: string): string => `${prefix}_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
const nodeId = (name: string): string => id('n', name);
const topicId = (name: string): string => id('t', name);

function nodeShape(node: NodeSpec): string {
  switch (node.kind) {
    case 'source':
      return `${nodeId(node.name)}[/"${node.name}"/]`;
    case 'stage':
      return `${nodeId(node.name)}["${node.name}"]`;
    case 'sink':
      return `${nodeId(node.name)}[("${node.name}")]`;
  }
}

function topicShape(topic: TopicSpec): string {
  const label = topic.eventType ? `${topic.name}<br/><i>${topic.eventType}</i>` : topic.name;
  return `${topicId(topic.name)}(["${label}"])`;
}

export function renderMermaid(topology: Topology): string {
  const events = topology.topics.filter((t) => t.kind === 'event');
  const deadLetters = topology.topics.filter((t) => t.kind === 'dead-letter');
  const lines = ['flowchart LR'];
  lines.push(...topology.nodes.map((n) => `  ${nodeShape(n)}`));
  lines.push(...events.map((t) => `  ${topicShape(t)}`));
  if (deadLetters.length > 0) {
    lines.push('  subgraph dead_letters["dead letters"]');
    lines.push(...deadLetters.map((t) => `    ${topicShape(t)}`));
    lines.push('  end');
  }
  for (const node of topology.nodes) {
    if (isConsumer(node)) lines.push(...node.inputs.map((t) => `  ${topicId(t)} --> ${nodeId(node.name)}`));
    lines.push(...node.outputs.map((t) => `  ${nodeId(node.name)} --> ${topicId(t)}`));
    if (isConsumer(node)) lines.push(`  ${nodeId(node.name)} -.-> ${topicId(node.deadLetter)}`);
  }
  const classes: [string, string[]][] = [
    ['source', topology.nodes.filter((n) => n.kind === 'source').map((n) => nodeId(n.name))],
    ['stage', topology.nodes.filter((n) => n.kind === 'stage').map((n) => nodeId(n.name))],
    ['sink', topology.nodes.filter((n) => n.kind === 'sink').map((n) => nodeId(n.name))],
    ['topic', events.map((t) => topicId(t.name))],
    ['deadLetter', deadLetters.map((t) => topicId(t.name))],
  ];
  lines.push(
    '  classDef source fill:#e8f4ea,stroke:#3b7d4a',
    '  classDef stage fill:#e6eefb,stroke:#3a5f9e',
    '  classDef sink fill:#f6ecdf,stroke:#9a6a2f',
    '  classDef topic fill:#ffffff,stroke:#666666',
    '  classDef deadLetter fill:#fbe9e9,stroke:#a33a3a,stroke-dasharray:4 3',
  );
  for (const [name, ids] of classes) if (ids.length > 0) lines.push(`  class ${ids.join(',')} ${name}`);
  return lines.join('\n');
}
