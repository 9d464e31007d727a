/**
 * A small topology for tests: a source, a stage and a sink over two event topics, names under a namespace of
 * the caller's choosing so tests against a shared broker cannot collide.
 */
import { DAY_MS, type Topology } from './model.js';
import { deadLetterTopicName, eventTopicName } from './naming.js';

export interface SmallTopologyOptions {
  readonly namespace?: string;
  readonly partitions?: number;
  readonly retentionMs?: number;
}

export function smallTopology(options: SmallTopologyOptions = {}): Topology {
  const ns = options.namespace ?? 'test';
  const orders = eventTopicName(ns, 'orders', 'placed');
  const quotes = eventTopicName(ns, 'orders', 'quotes');
  const dlq = (name: string) => deadLetterTopicName(ns, name);
  return {
    namespace: ns,
    topics: [
      {
        name: orders,
        kind: 'event',
        eventType: 'OrderPlaced',
        key: { kind: 'org' },
        partitions: options.partitions ?? 2,
        cleanup: { policy: 'delete', retentionMs: options.retentionMs ?? DAY_MS },
        description: 'orders',
      },
      {
        name: quotes,
        kind: 'event',
        eventType: 'OrderQuote',
        key: { kind: 'entity', entity: 'orderId' },
        partitions: 1,
        cleanup: { policy: 'compact', tombstoneRetentionMs: DAY_MS },
        description: 'latest price per order',
      },
      {
        name: dlq('price'),
        kind: 'dead-letter',
        eventType: null,
        key: { kind: 'input' },
        partitions: 1,
        cleanup: { policy: 'delete', retentionMs: 2 * DAY_MS },
        description: 'failed pricing',
      },
      {
        name: dlq('store'),
        kind: 'dead-letter',
        eventType: null,
        key: { kind: 'input' },
        partitions: 1,
        cleanup: { policy: 'delete', retentionMs: 2 * DAY_MS },
        description: 'failed stores',
      },
    ],
    nodes: [
      { kind: 'source', name: 'shop', outputs: [orders] },
      { kind: 'stage', name: 'price', inputs: [orders], outputs: [quotes], deadLetter: dlq('price') },
      { kind: 'sink', name: 'store', inputs: [orders, quotes], outputs: [], deadLetter: dlq('store') },
    ],
  };
}
