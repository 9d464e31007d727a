/**
 * The retrieve side's table of the knowledge base: the compacted chunks topic, every partition, followed by this
 * process and folded into a `KnowledgeBase` (one index per org). Each chunk brings the embedding the chunk stage
 * computed for it, so building the vector index runs no model; the model here only embeds questions.
 *
 * `ready()` is the first catch-up: until the table has read the topic up to where it ended when the process
 * started, an index would answer from part of the knowledge base (or from none of it), so the stage waits for it
 * and readiness reports it. After that the follower keeps applying changes as they arrive, with no barrier per
 * search: a change reaches searches in about the follower's fetch wait plus the chunk stage's own delay.
 */
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { eventCatalog, type KnowledgeChunk } from '../../../schemas/index.js';
import { TOPIC } from '../../../topics/topology.js';
import type { EventCodec } from '../../runtime/codec.js';
import { Dependency } from '../../runtime/dependency.js';
import { TopicFollower, type FollowedRecord } from '../../runtime/topic-follower.js';
import { decodePassageEmbedding } from '../embeddings/passage-embedding.js';
import { knowledgeChangeOf } from './chunk-changes.js';
import { KnowledgeBase, type KnowledgeChange } from './knowledge-base.js';

/** The model whose passage vectors the index takes: the one that embeds this process's questions. */
export interface VectorSpace {
  readonly modelId: string;
  readonly dimension: number;
}

/** Applies followed chunk records to `knowledge`; what cannot be read is logged and skipped, as it tells nothing. */
export function knowledgeRecordsApplier(
  knowledge: KnowledgeBase,
  codec: EventCodec,
  space: VectorSpace | null,
  logger?: Logger,
) {
  const schema = eventCatalog().get('KnowledgeChunk').schema;
  return async (records: readonly FollowedRecord[]): Promise<void> => {
    await codec.prepare(
      records.map((r) => r.value),
      schema,
    );
    const changes: KnowledgeChange[] = [];
    for (const record of records) {
      try {
        const key = record.key?.toString() ?? '';
        const chunk = record.value === null ? null : codec.decodePrepared<KnowledgeChunk>(record.value, schema);
        const embedding =
          chunk && space ? decodePassageEmbedding(chunk.embedding, space.modelId, space.dimension) : null;
        changes.push(knowledgeChangeOf(key, chunk, embedding));
      } catch (error) {
        logger?.warn({ err: error, partition: record.partition, offset: record.offset }, 'unreadable chunk skipped');
      }
    }
    knowledge.apply(changes);
  };
}

export interface KnowledgeTable {
  readonly knowledge: KnowledgeBase;
  /** Resolves once the topic has been read up to where it ended at the first call; at once after that. */
  ready(): Promise<void>;
  /** Why searches would not see the whole knowledge base yet; empty once caught up. */
  notReadyReasons(): string[];
}

/** The table over `follower`, its first catch-up made through `dependency` (a broker away pauses the stage). */
export function followedKnowledgeTable(
  knowledge: KnowledgeBase,
  follower: { readonly topic: string; catchUp(): Promise<void> },
  dependency: Dependency,
): KnowledgeTable {
  let caughtUp = false;
  let catchingUp: Promise<void> | null = null;
  const ready = (): Promise<void> => {
    if (caughtUp) return Promise.resolve();
    catchingUp ??= dependency
      .call(async () => {
        try {
          await follower.catchUp();
        } catch (error) {
          throw dependency.unavailable((error as Error).message);
        }
      })
      .then(
        () => {
          caughtUp = true;
          // Vectors are buffered until a search; paying for them now keeps the first searches quick.
          for (const orgId of knowledge.orgIds) knowledge.org(orgId)!.flush();
        },
        (error: unknown) => {
          catchingUp = null;
          throw error;
        },
      );
    return catchingUp;
  };
  return {
    knowledge,
    ready,
    notReadyReasons: () => (caughtUp ? [] : [`knowledge base: not caught up with ${follower.topic} yet`]),
  };
}

/**
 * A knowledge table of its own, for a process that hosts no stage (the query API, the CLI): its follower of the
 * chunks topic (`topic` for tests' own), and the dependency its catch-up goes through. Stop the follower to leave.
 */
export function followKnowledgeBase(
  kafka: Kafka,
  codec: EventCodec,
  space: VectorSpace,
  options: { topic?: string; logger?: Logger } = {},
): { table: KnowledgeTable; follower: TopicFollower; dependency: Dependency } {
  const knowledge = new KnowledgeBase({ dimension: space.dimension });
  const follower = new TopicFollower(kafka, options.topic ?? TOPIC.knowledgeChunk, {
    apply: knowledgeRecordsApplier(knowledge, codec, space, options.logger),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const dependency = new Dependency('knowledge-table', { probe: () => follower.probe() });
  return { table: followedKnowledgeTable(knowledge, follower, dependency), follower, dependency };
}
