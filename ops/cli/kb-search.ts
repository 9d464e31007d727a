/**
 * `ticketflow kb search`: questions on stdin, one per line, answered from the org's knowledge base by the same
 * in-process hybrid retrieval the retrieve stage uses: this process follows the chunks topic to its end (the
 * passages with the embeddings the chunk stage computed), then embeds each question and searches in memory.
 * One JSON line out per line in, in order, so line n of the output answers line n of the input.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import pg from 'pg';
import type { Config } from '../../config/index.js';
import { E5_DIMENSION, E5_MODEL_ID, OnnxEmbedder } from '../../processors/retrieve/embeddings/embedder.js';
import { searchKnowledgeBase } from '../../processors/retrieve/hybrid/kb-search.js';
import { followKnowledgeBase } from '../../processors/retrieve/hybrid/knowledge-table.js';
import { HybridRetriever } from '../../processors/retrieve/hybrid/retriever.js';
import { EventCodec } from '../../processors/runtime/codec.js';
import { EXIT, line, UsageError, type Io } from './command.js';
import { operatorKafka } from './kafka.js';

export interface KbSearchArgs {
  readonly orgId: string;
  readonly k: number;
  readonly language?: string;
  /** The chunks topic; tests use their own. */
  readonly topic: string;
  readonly input: Readable;
}

async function ensureOrganization(config: Config, orgId: string): Promise<void> {
  const db = new pg.Pool({ connectionString: config.postgres.url, max: 1, connectionTimeoutMillis: 5000 });
  try {
    const { rowCount } = await db.query('SELECT 1 FROM organizations WHERE id = $1', [orgId]);
    if (!rowCount) throw new UsageError(`unknown org ${JSON.stringify(orgId)} (ticketflow db create-org ${orgId})`);
  } finally {
    await db.end();
  }
}

export async function runKbSearch(config: Config, args: KbSearchArgs, io: Io): Promise<number> {
  await ensureOrganization(config, args.orgId);
  const started = Date.now();
  const embedder = await OnnxEmbedder.load(config.retrieval.embeddingModelDir, {
    threads: config.retrieval.embeddingThreads,
    maxTokens: config.retrieval.embeddingMaxTokens,
  });
  const codec = EventCodec.connect(config.schemaRegistry.url);
  const followed = followKnowledgeBase(
    operatorKafka(config, 'kb-search'),
    codec,
    { modelId: E5_MODEL_ID, dimension: E5_DIMENSION },
    { topic: args.topic },
  );
  try {
    await followed.follower.catchUp();
    const org = followed.table.knowledge.org(args.orgId);
    line(
      io.stderr,
      `${args.orgId}: ${org?.size ?? 0} passages of ${org?.documentCount ?? 0} documents, read from ${args.topic} ` +
        `in ${Date.now() - started} ms`,
    );
    const retriever = new HybridRetriever(followed.table.knowledge, embedder);
    const lines = createInterface({ input: args.input, crlfDelay: Infinity });
    for await (const question of lines) {
      const [hits] = await searchKnowledgeBase(retriever, args.orgId, [question], {
        k: args.k,
        ...(args.language ? { language: args.language } : {}),
      });
      line(io.stdout, JSON.stringify({ hits }));
    }
    return EXIT.ok;
  } finally {
    await followed.follower.stop();
    await embedder.close();
  }
}
