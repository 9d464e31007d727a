/**
 * The chunk stage's table (live-chunks.ts) filled from the chunks topic itself: every record and tombstone of
 * every partition, decoded with the KnowledgeChunk schema, applied in offset order.
 */
import type { Logger } from 'pino';
import { eventCatalog, type KnowledgeChunk } from '../../schemas/index.js';
import { orgOfKey } from '../../topics/keys.js';
import type { EventCodec } from '../runtime/codec.js';
import type { Dependency } from '../runtime/dependency.js';
import { HEADER, headerString } from '../runtime/headers.js';
import type { FollowedRecord } from '../runtime/topic-follower.js';
import { LiveChunks } from './live-chunks.js';
import type { ChunkTable } from './stage.js';

/** Applies followed records to `live`; what cannot be read is logged and skipped, as it tells nothing. */
export function chunkRecordsApplier(live: LiveChunks, codec: EventCodec, logger?: Logger) {
  const schema = eventCatalog().get('KnowledgeChunk').schema;
  return async (records: readonly FollowedRecord[]): Promise<void> => {
    await codec.prepare(
      records.map((r) => r.value),
      schema,
    );
    for (const record of records) {
      const key = record.key?.toString() ?? '';
      const orgId = orgOfKey(key);
      try {
        if (record.value === null) {
          const version = Number(headerString(record.headers, HEADER.entityVersion) ?? NaN);
          const known = live.applyTombstone(
            orgId,
            key.slice(orgId.length + 1),
            Number.isSafeInteger(version) ? version : null,
          );
          if (!known) throw new Error(`a tombstone under ${JSON.stringify(key)}, not <orgId>:<chunkId>`);
        } else {
          live.applyChunk(codec.decodePrepared<KnowledgeChunk>(record.value, schema));
        }
      } catch (error) {
        logger?.warn({ err: error, partition: record.partition, offset: record.offset }, 'unreadable chunk skipped');
      }
    }
  };
}

/** The table the stage reads: `catchUp` reads the topic to its end through `dependency`, then settles. */
export function followedChunkTable(
  live: LiveChunks,
  follower: { catchUp(): Promise<void> },
  dependency: Dependency,
): ChunkTable {
  return {
    async catchUp() {
      await dependency.call(async () => {
        try {
          await follower.catchUp();
        } catch (error) {
          // Reading the stage's own topic fails only when the broker cannot serve it: an outage, never the input's.
          throw dependency.unavailable((error as Error).message);
        }
      });
      live.settle();
    },
    live: (orgId, documentId) => live.live(orgId, documentId),
    emitted: (orgId, documentId, version, indexes) => live.emitted(orgId, documentId, version, indexes),
  };
}
