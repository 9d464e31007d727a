/**
 * The knowledge base in tests and benchmarks. Written straight into the chunk index, through the chunk stage's
 * cutting and the kb-index sink's writes but without Kafka, for those whose subject is not the knowledge base's
 * own flow; published on the chunks topic with embeddings, for those that run the stack's retrieve (which serves
 * from that topic); or flowing through throwaway compacted topics and the two processors run in-process, for those whose
 * subject it is (connectors/kb-import/import.integration.test.ts, loadtest/kb-stream.ts).
 */
import type { Client } from '@elastic/elasticsearch';
import type { Message } from 'kafkajs';
import { toKnowledgeDocument } from '../../connectors/kb-import/documents.js';
import { readSources } from '../../connectors/kb-import/sources.js';
import type { KnowledgeChunk, KnowledgeDocument } from '../../schemas/index.js';
import { chunkRecordsApplier, followedChunkTable } from '../chunk/chunk-table.js';
import { chunkDocument } from '../chunk/cut.js';
import { LiveChunks } from '../chunk/live-chunks.js';
import { chunkStage } from '../chunk/stage.js';
import { DEFAULT_CHUNK_INDEX } from '../retrieve/chunk-index.js';
import { OnnxEmbedder, passageEmbeddingText, type Embedder } from '../retrieve/embeddings/embedder.js';
import { encodePassageEmbedding } from '../retrieve/embeddings/passage-embedding.js';
import { HEADER } from '../runtime/headers.js';
import { entityKey } from '../../topics/keys.js';
import { TOPIC } from '../../topics/topology.js';
import { Dependency } from '../runtime/dependency.js';
import { startStages, type RunningStages } from '../runtime/main.js';
import { TopicFollower } from '../runtime/topic-follower.js';
import { explicitWiring } from '../runtime/wiring.js';
import { applyChunks, ensureChunkIndex, kbIndexSink } from '../sinks/kb-index.js';
import { codec, config, createTestTopics, kafka } from './kafka-kit.js';

/** The documents of a folder or JSON-lines file, as an import of `orgId` would produce them. */
export async function knowledgeDocuments(orgId: string, path: string): Promise<KnowledgeDocument[]> {
  const now = Date.now();
  return (await readSources(path)).map((s) => toKnowledgeDocument(orgId, s, { defaultLanguage: 'en', now }));
}

/** Indexes the documents' chunks, searchable on return. */
export async function indexKnowledgeBase(
  es: Client,
  documents: readonly KnowledgeDocument[],
  index = DEFAULT_CHUNK_INDEX,
): Promise<{ documents: number; chunks: number }> {
  await ensureChunkIndex(es, index);
  const chunks = chunksOf(documents);
  for (let i = 0; i < chunks.length; i += 500) {
    const outcomes = await applyChunks(es, chunks.slice(i, i + 500), { index });
    const failed = [...outcomes.values()].filter((o) => o instanceof Error);
    if (failed.length > 0) throw new Error(`indexing failed: ${failed.map(String).slice(0, 3).join('; ')}`);
  }
  await es.indices.refresh({ index });
  return { documents: documents.length, chunks: chunks.length };
}

/**
 * Puts the documents' passages on the chunks topic every retrieve instance follows (and the kb-index sink, when
 * running, indexes), each with its embedding, as the chunk stage would write them: for tests and benchmarks that
 * run the stack's retrieve without its importer. A text shared by several orgs' documents is embedded once.
 * Returns how many chunks were produced.
 */
export async function publishKnowledgeBase(
  documents: readonly KnowledgeDocument[],
  options: { topic?: string; embedder?: Embedder } = {},
): Promise<number> {
  const chunks = chunksOf(documents);
  const embedder = options.embedder ?? (await OnnxEmbedder.load(config.retrieval.embeddingModelDir));
  try {
    const texts = [...new Set(chunks.map(passageEmbeddingText))];
    const vectors = await embedder.embedPassages(texts);
    const byText = new Map(texts.map((t, i) => [t, encodePassageEmbedding(embedder.modelId, vectors[i]!)]));
    for (const chunk of chunks) chunk.embedding = byText.get(passageEmbeddingText(chunk))!;
  } finally {
    if (!options.embedder) await embedder.close();
  }
  const topic = options.topic ?? TOPIC.knowledgeChunk;
  const writer = await codec.writer(topic);
  await produceChunkRecords(
    topic,
    chunks.map((chunk) => ({ key: entityKey(chunk.meta.orgId, chunk.chunkId), value: writer.encode(chunk) })),
  );
  return chunks.length;
}

/** Tombstones on the chunks topic for every passage of the documents: every follower drops them. */
export async function withdrawKnowledgeBase(
  documents: readonly KnowledgeDocument[],
  options: { topic?: string } = {},
): Promise<number> {
  const messages = documents.flatMap((doc) =>
    chunkDocument(doc).map((fields) => ({
      key: entityKey(doc.meta.orgId, fields.chunkId),
      value: null,
      headers: { [HEADER.entityVersion]: String(doc.version) },
    })),
  );
  await produceChunkRecords(options.topic ?? TOPIC.knowledgeChunk, messages);
  return messages.length;
}

async function produceChunkRecords(topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 500) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 500) });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Deletes every chunk of the orgs (this Elasticsearch build has no delete-by-query); returns how many. */
export async function removeKnowledgeBases(
  es: Client,
  orgIds: readonly string[],
  index = DEFAULT_CHUNK_INDEX,
): Promise<number> {
  let removed = 0;
  for (;;) {
    const { hits } = await es.search({ index, size: 1000, _source: false, query: { terms: { org_id: [...orgIds] } } });
    if (hits.hits.length === 0) return removed;
    const operations = hits.hits.map((hit) => ({ delete: { _index: index, _id: hit._id! } }));
    await es.bulk({ operations, refresh: true });
    removed += operations.length;
  }
}

/** Throwaway compacted topics for the knowledge flow, with their dead-letter topics, and its two processors. */
export interface KnowledgeTopics {
  readonly prefix: string;
  readonly documents: string;
  readonly chunks: string;
  /** The dead-letter topics of the chunk stage and of the kb-index sink. */
  readonly deadLetters: { readonly chunk: string; readonly kbIndex: string };
  dispose(): Promise<void>;
}

export async function createKnowledgeTopics(partitions = 3): Promise<KnowledgeTopics> {
  const documents = await createTestTopics(['documents', 'dlq-chunk'], 'KnowledgeDocument', partitions, {
    compacted: true,
  });
  const chunks = await createTestTopics(['chunks', 'dlq-kb-index'], 'KnowledgeChunk', partitions, {
    compacted: true,
  });
  return {
    prefix: documents.prefix,
    documents: documents.names[0]!,
    chunks: chunks.names[0]!,
    deadLetters: { chunk: documents.names[1]!, kbIndex: chunks.names[1]! },
    async dispose() {
      await Promise.allSettled([documents.dispose(), chunks.dispose()]);
    },
  };
}

const quietConfig = { ...config, logLevel: 'silent', processor: { ...config.processor, probePort: 0 } } as const;

/**
 * The chunk stage in this process as the catalog builds it, on the given topics, with a table of its own filled
 * from the chunks topic (and, given an embedder, embedding its passages); stopping it stops its follower too.
 */
export async function startChunkStage(
  topics: KnowledgeTopics,
  options: { embedder?: Embedder } = {},
): Promise<RunningStages> {
  const live = new LiveChunks();
  const follower = new TopicFollower(kafka, topics.chunks, { apply: chunkRecordsApplier(live, codec) });
  const table = followedChunkTable(live, follower, new Dependency('chunks-table', { probe: () => follower.probe() }));
  const wiring = explicitWiring({
    groupId: `${topics.prefix}.chunk`,
    inputTopics: [topics.documents],
    outputTopic: topics.chunks,
    deadLetterTopic: topics.deadLetters.chunk,
    event: 'KnowledgeDocument',
    compacted: true,
    outputEntity: 'chunkId',
  });
  return startStages([{ stage: chunkStage({ table, ...options }), wiring }], {
    config: quietConfig,
    close: () => follower.stop(),
  });
}

/** The kb-index sink in this process, from the given chunks topic into `index`. */
export async function startKbIndex(es: Client, topics: KnowledgeTopics, index: string): Promise<RunningStages> {
  const dependency = new Dependency('elasticsearch', { probe: () => es.cluster.health() });
  const wiring = explicitWiring({
    groupId: `${topics.prefix}.kb-index`,
    inputTopics: [topics.chunks],
    deadLetterTopic: topics.deadLetters.kbIndex,
    event: 'KnowledgeChunk',
    compacted: true,
  });
  return startStages([{ stage: kbIndexSink(es, dependency, { index }), wiring }], {
    config: quietConfig,
  });
}

/** The documents' passages as the chunk stage cuts them, without embeddings. */
function chunksOf(documents: readonly KnowledgeDocument[]): KnowledgeChunk[] {
  return documents.flatMap((doc) =>
    chunkDocument(doc).map((fields): KnowledgeChunk => ({
      meta: doc.meta,
      ...fields,
      deleted: false,
      embedding: null,
    })),
  );
}
