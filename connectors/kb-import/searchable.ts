/**
 * Waiting for an import to become searchable: the chunk index holds each of the org's documents at the version
 * the documents topic has, cut into as many chunks as the chunk stage cuts it, and nothing else of the org's.
 * Imports produce to Kafka and return; the demo and the tests wait here before asking retrieval anything.
 */
import type { Client } from '@elastic/elasticsearch';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KnowledgeDocument } from '../../schemas/index.js';
import { chunkDocument } from '../../processors/chunk/cut.js';
import { DEFAULT_CHUNK_INDEX } from '../../processors/retrieve/chunk-index.js';
import { indexedDocuments } from '../../processors/sinks/kb-index.js';

/** What still differs, one line per document; empty once the index shows exactly `live`. */
export async function unindexed(
  es: Client,
  orgId: string,
  live: readonly KnowledgeDocument[],
  index = DEFAULT_CHUNK_INDEX,
): Promise<string[]> {
  const held = await indexedDocuments(es, orgId, index);
  const differences: string[] = [];
  for (const doc of live) {
    const chunks = chunkDocument(doc).length;
    const found = held.get(doc.documentId);
    held.delete(doc.documentId);
    if (chunks === 0 && !found) continue;
    if (found?.version !== doc.version || found.chunks !== chunks) {
      differences.push(
        `${doc.documentId}: v${doc.version} in ${chunks} chunks, indexed ` +
          (found ? `v${found.version} in ${found.chunks}` : 'not at all'),
      );
    }
  }
  for (const [documentId, found] of held) differences.push(`${documentId}: v${found.version} indexed, not current`);
  return differences;
}

/**
 * Polls until the index shows exactly `live` (see `unindexed`); throws what still differs after `timeoutMs`. An
 * index the sink has only just created may fail searches for a moment (its shard not yet started): that is
 * waited out too.
 */
export async function untilSearchable(
  es: Client,
  orgId: string,
  live: readonly KnowledgeDocument[],
  options: { index?: string; timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const left = await unindexed(es, orgId, live, options.index).catch((error: unknown) => [
      `the index cannot be searched: ${(error as Error).message}`,
    ]);
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`the knowledge base of ${orgId} is not searchable yet: ${left.slice(0, 5).join('; ')}`);
    }
    await sleep(250);
  }
}
