/**
 * What the documents topic says is current for one org: every partition read once from its log start to its
 * end, the last record of each of the org's keys kept. The topic is compacted, so this is about one record per
 * document that exists, plus what compaction has not reached yet.
 *
 * Why the topic and not a lookup table: it is the knowledge base's system of record, and what the chunk stage
 * and every later reader see. A diff against it cannot drift from it, as a table written beside the produce
 * could (an import that crashed between the two, a topic restored or written by another tool). The price: keys
 * are `<orgId>:<documentId>`, hashed whole, so an org's documents are on every partition and an import reads
 * every org's records to find its own; only its own are decoded. The README gives the figures.
 */
import type { Kafka } from 'kafkajs';
import { eventCatalog, type KnowledgeDocument } from '../../schemas/index.js';
import { withPartitionReader, type OffsetRange } from '../../ops/cli/partition-reader.js';
import type { EventCodec } from '../../processors/runtime/codec.js';
import { HEADER, headerString } from '../../processors/runtime/headers.js';
import { currentOf, type CurrentDocument } from './diff.js';

export interface CurrentDocuments {
  readonly documents: Map<string, CurrentDocument>;
  /** Records read from the topic, all orgs. */
  readonly recordsRead: number;
  /** Of those, the org's. */
  readonly orgRecords: number;
}

/**
 * What a document is after one more of its records: the record's document, or for a tombstone, deleted at the
 * version it carries, else at the version last seen (the record it follows may be compacted away already).
 */
export function nextCurrent(
  before: CurrentDocument | undefined,
  record: KnowledgeDocument | null,
  tombstoneVersion: number | null,
): CurrentDocument {
  if (record !== null) return currentOf(record);
  const known = before?.state === 'live' ? before.document.version : (before?.version ?? null);
  return { state: 'deleted', version: tombstoneVersion ?? known };
}

export async function readCurrentDocuments(
  kafka: Kafka,
  codec: EventCodec,
  topic: string,
  orgId: string,
  onProgress?: (read: number, total: number) => void,
): Promise<CurrentDocuments> {
  const admin = kafka.admin();
  await admin.connect();
  let ranges: OffsetRange[];
  try {
    ranges = (await admin.fetchTopicOffsets(topic)).map((p) => ({
      topic,
      partition: p.partition,
      from: Number(p.low),
      to: Number(p.high),
    }));
  } finally {
    await admin.disconnect();
  }
  const total = ranges.reduce((n, r) => n + Math.max(0, r.to - r.from), 0);
  const documents = new Map<string, CurrentDocument>();
  const prefix = `${orgId}:`;
  const schema = eventCatalog().get('KnowledgeDocument').schema;
  let recordsRead = 0;
  let orgRecords = 0;
  onProgress?.(0, total);
  if (total > 0) {
    await withPartitionReader(kafka, [topic], (reader) =>
      reader.read(ranges, async (record) => {
        recordsRead++;
        if (recordsRead % 500 === 0) onProgress?.(recordsRead, total);
        const key = record.key?.toString();
        if (!key?.startsWith(prefix)) return;
        orgRecords++;
        const documentId = key.slice(prefix.length);
        const version = Number(headerString(record.headers, HEADER.entityVersion) ?? NaN);
        const value = record.value === null ? null : await codec.decode<KnowledgeDocument>(record.value, schema);
        documents.set(
          documentId,
          nextCurrent(documents.get(documentId), value, Number.isSafeInteger(version) ? version : null),
        );
      }),
    );
  }
  onProgress?.(total, total);
  return { documents, recordsRead, orgRecords };
}
