/**
 * An org's knowledge base from disk onto the compacted documents topic, as KnowledgeDocument events keyed
 * `<orgId>:<documentId>`: read and convert the source, read what the topic holds for the org, produce only what
 * differs (diff.ts), and with `prune` delete what the source no longer has. The chunk stage and the kb-index
 * sink take it from there.
 *
 * The org must exist in PostgreSQL, and one import per org runs at a time (an advisory lock), since two would
 * each compute the next version from the same current one.
 */
import { randomUUID } from 'node:crypto';
import { Partitioners, type Kafka, type Message } from 'kafkajs';
import type { Pool } from 'pg';
import type { KnowledgeDocument } from '../../schemas/index.js';
import type { EventCodec } from '../../processors/runtime/codec.js';
import { HEADER } from '../../processors/runtime/headers.js';
import { splitIntoRequests } from '../../processors/runtime/requests.js';
import { entityKey } from '../../topics/keys.js';
import { TOPIC } from '../../topics/topology.js';
import { readCurrentDocuments } from './current.js';
import { planImport, type ImportPlan, type StaleDocument } from './diff.js';
import { readKnowledgeDocument } from './documents.js';
import { readSources } from './sources.js';

/** Under the broker's default `message.max.bytes` (1 MiB) with room for the batch around it. */
export const MAX_DOCUMENT_BYTES = 900 * 1024;
/** Bytes per produce request: each partition's record batch must stay under the broker's `message.max.bytes`. */
const MAX_REQUEST_BYTES = 900 * 1024;

export interface ImportDeps {
  readonly kafka: Kafka;
  readonly codec: EventCodec;
  /** PostgreSQL, where orgs live. */
  readonly db: Pool;
  /** The documents topic; the topology's unless a test points elsewhere. */
  readonly topic?: string;
}

export interface ImportOptions {
  readonly orgId: string;
  /** Language of documents that do not name theirs. */
  readonly defaultLanguage?: string;
  /** Delete the org's documents that are not in this import. */
  readonly prune?: boolean;
  readonly now?: () => number;
  readonly onProgress?: (progress: ImportProgress) => void;
}

export interface ImportProgress {
  readonly phase: 'reading' | 'producing';
  readonly done: number;
  readonly total: number;
}

export interface ImportSummary {
  readonly orgId: string;
  readonly topic: string;
  /** Documents in the source. */
  readonly documents: number;
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly unchanged: number;
  readonly stale: readonly StaleDocument[];
  /** Deleted because the source no longer has them (with `prune`). */
  readonly removed: readonly string[];
  /** Records produced: a record per added or changed document, a deletion record and a tombstone per removal. */
  readonly produced: number;
  /** Records of the documents topic read to find the org's current documents (all orgs'). */
  readonly recordsRead: number;
  readonly durationMs: number;
}

/** Refused before anything was produced: the org is unknown, another import runs, a document is too big. */
export class ImportRefused extends Error {
  override name = 'ImportRefused';
}

export async function importPath(
  deps: ImportDeps,
  target: string,
  options: ImportOptions,
): Promise<{ summary: ImportSummary; plan: ImportPlan }> {
  const started = Date.now();
  const now = (options.now ?? Date.now)();
  const topic = deps.topic ?? TOPIC.knowledgeDocument;
  const { orgId } = options;
  await ensureOrganization(deps.db, orgId);
  const incoming = (await readSources(target)).map((source) =>
    readKnowledgeDocument(orgId, source, { defaultLanguage: options.defaultLanguage ?? 'en', now }),
  );

  const lock = await deps.db.connect();
  try {
    const { rows } = await lock.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
      `kb-import:${orgId}`,
    ]);
    if (!rows[0]?.locked) throw new ImportRefused(`another import of ${orgId}'s knowledge base is running`);
    try {
      const current = await readCurrentDocuments(deps.kafka, deps.codec, topic, orgId, (done, total) =>
        options.onProgress?.({ phase: 'reading', done, total }),
      ).catch((error: unknown) => {
        throw new Error(`reading ${topic}, nothing produced: ${(error as Error).message}`, { cause: error });
      });
      const plan = planImport(incoming, current.documents, { prune: options.prune ?? false, now });
      const messages = await messagesOf(deps.codec, topic, plan, `kb-import:${randomUUID()}`);
      let produced = 0;
      await produce(deps.kafka, topic, messages, (done) => {
        produced = done;
        options.onProgress?.({ phase: 'producing', done, total: messages.length });
      }).catch((error: unknown) => {
        // What was acknowledged stays; a re-run finds it current and produces the rest.
        throw new Error(
          `producing to ${topic}, ${produced} of ${messages.length} records acknowledged: ${(error as Error).message}`,
          { cause: error },
        );
      });
      return {
        plan,
        summary: {
          orgId,
          topic,
          documents: incoming.length,
          added: plan.added.map((d) => d.documentId),
          changed: plan.changed.map((d) => d.documentId),
          unchanged: plan.unchanged.length,
          stale: plan.stale,
          removed: plan.removed.map((d) => d.documentId),
          produced: messages.length,
          recordsRead: current.recordsRead,
          durationMs: Date.now() - started,
        },
      };
    } finally {
      await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [`kb-import:${orgId}`]);
    }
  } finally {
    lock.release();
  }
}

async function ensureOrganization(db: Pool, orgId: string): Promise<void> {
  const { rowCount } = await db.query('SELECT 1 FROM organizations WHERE id = $1', [orgId]);
  if (!rowCount) {
    throw new ImportRefused(
      `unknown org ${JSON.stringify(orgId)}: create it first (ticketflow db create-org ${orgId})`,
    );
  }
}

/**
 * Every record of the plan, encoded before anything is produced, so a document too big for the broker refuses
 * the whole import instead of leaving half of it written. A removal is its deletion record, then a tombstone
 * carrying the version, so compaction can drop the key and a reader of the tombstone alone still knows it.
 */
async function messagesOf(codec: EventCodec, topic: string, plan: ImportPlan, correlationId: string) {
  const writer = await codec.writer(topic);
  const headers = { [HEADER.correlationId]: correlationId };
  const tooBig: string[] = [];
  const messages: Message[] = [];
  const encode = (doc: KnowledgeDocument) => {
    const value = writer.encode(doc);
    if (value.length > MAX_DOCUMENT_BYTES) tooBig.push(`${doc.documentId} (${Math.ceil(value.length / 1024)} KiB)`);
    return value;
  };
  for (const doc of [...plan.added, ...plan.changed]) {
    messages.push({ key: entityKey(doc.meta.orgId, doc.documentId), value: encode(doc), headers });
  }
  for (const doc of plan.removed) {
    const key = entityKey(doc.meta.orgId, doc.documentId);
    messages.push({ key, value: encode(doc), headers });
    messages.push({ key, value: null, headers: { ...headers, [HEADER.entityVersion]: String(doc.version) } });
  }
  if (tooBig.length > 0) {
    throw new ImportRefused(
      `${tooBig.length} document(s) larger than the ${MAX_DOCUMENT_BYTES / 1024} KiB a record may hold; ` +
        `split them: ${tooBig.slice(0, 10).join(', ')}`,
    );
  }
  return messages;
}

async function produce(kafka: Kafka, topic: string, messages: Message[], onProgress: (done: number) => void) {
  onProgress(0);
  if (messages.length === 0) return;
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // Java's partitioner, so a key lands where any other Kafka client would put it.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    let done = 0;
    for (const request of splitIntoRequests([{ topic, messages }], MAX_REQUEST_BYTES)) {
      await producer.sendBatch({ topicMessages: request, acks: -1 });
      done += request.reduce((n, t) => n + t.messages.length, 0);
      onProgress(done);
    }
  } finally {
    await producer.disconnect();
  }
}
