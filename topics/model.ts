/**
 * The vocabulary of a topology declaration: topics, and the nodes that write and read them. Pure types and
 * constants, so the declaration, its checks, its diagrams and the admin that applies it all agree on one shape.
 */

export const DEFAULT_PARTITIONS = 12;

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** Kafka's spelling of "never delete by age". */
export const FOREVER = -1;

/**
 * How a topic's record key is built. Every key starts with the org id, so a tenant can always be told from
 * its keys; entity topics add the id of the entity a compacted record stands for. Dead letters keep the
 * failed input's key as it was.
 */
export type KeySpec =
  { readonly kind: 'org' } | { readonly kind: 'entity'; readonly entity: string } | { readonly kind: 'input' };

/**
 * A topic either keeps a window of events (delete) or the latest record per key (compact). The union keeps
 * settings that mean nothing for a policy, like `retention.ms` on a compacted topic, out of the declaration.
 */
export type Cleanup = DeleteCleanup | CompactCleanup;

export interface DeleteCleanup {
  readonly policy: 'delete';
  /** Or FOREVER. */
  readonly retentionMs: number;
}

export interface CompactCleanup {
  readonly policy: 'compact';
  /** How long a tombstone stays readable: a consumer down for longer never sees the deletion. */
  readonly tombstoneRetentionMs: number;
}

export interface TopicSpec {
  readonly name: string;
  /**
   * `event` topics carry one Avro record type; `dead-letter` topics carry the failed input's bytes unchanged,
   * whatever its type, with the failure in headers.
   */
  readonly kind: 'event' | 'dead-letter';
  /** Avro record name of the values, as in schemas/avro; null for dead letters. */
  readonly eventType: string | null;
  readonly key: KeySpec;
  readonly partitions: number;
  readonly cleanup: Cleanup;
  readonly description: string;
  /**
   * Typical encoded size of one event, in bytes. Consumers size their fetches by it, so a fetch brings a few
   * hundred events whether they are 500 bytes or 5 KB.
   */
  readonly eventBytes?: number;
}

/** Produces only: a connector or an API. Has no consumer group and so no dead-letter topic. */
export interface SourceNode {
  readonly kind: 'source';
  readonly name: string;
  readonly outputs: readonly string[];
}

/**
 * Reads in a consumer group. A `stage` turns its input into new events; a `sink` writes them to a store, and
 * may publish what its store holds after each change as a changelog (its one output), for other views to
 * follow. Whatever it cannot process goes to its own dead-letter topic.
 */
export interface ConsumerNode {
  readonly kind: 'stage' | 'sink';
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly deadLetter: string;
}

export type NodeSpec = SourceNode | ConsumerNode;

export interface Topology {
  /** First segment of every topic and consumer group name; lets tools tell our topics from others'. */
  readonly namespace: string;
  readonly topics: readonly TopicSpec[];
  readonly nodes: readonly NodeSpec[];
}

export const isConsumer = (node: NodeSpec): node is ConsumerNode => node.kind !== 'source';
