/**
 * The kb-index sink against the stack's Elasticsearch, in a throwaway index: chunk versions written with external
 * versions, deletions by record and by tombstone, replays and late versions refused.
 */
import { Client } from '@elastic/elasticsearch';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../config/index.js';
import { sampleEvents } from '../../schemas/fixtures.js';
import type { KnowledgeChunk } from '../../schemas/index.js';
import { chunkDocumentId, type ChunkDocument } from '../retrieve/chunk-index.js';
import { createChunkSearch } from '../retrieve/search.js';
import { Dependency } from '../runtime/dependency.js';
import { ItemFailure, tombstone } from '../runtime/stage.js';
import { runStage } from '../testing/stage-harness.js';
import { applyChunks, kbIndexSink } from './kb-index.js';

const es = new Client({ node: loadConfig().elasticsearch.url, requestTimeout: 10_000, maxRetries: 0 });
const index = `test-kb-index-${process.pid}-${Date.now()}`;
const ORG = 'org-kb-index';
const OTHER = 'org-kb-index-other';

function chunk(index: number, version: number, text: string, overrides: Partial<KnowledgeChunk> = {}): KnowledgeChunk {
  const base = sampleEvents.KnowledgeChunk;
  return {
    ...base,
    meta: { ...base.meta, orgId: ORG },
    chunkId: `refunds#${index}`,
    documentId: 'refunds',
    chunkIndex: index,
    documentVersion: version,
    text,
    ...overrides,
  };
}
const deletedChunk = (i: number, version: number) => chunk(i, version, '', { deleted: true });
const stored = async (orgId: string, chunkId: string) => {
  const found = await es.get<ChunkDocument>({ index, id: chunkDocumentId(orgId, chunkId) }).catch(() => null);
  return found?._source ?? null;
};

const sink = kbIndexSink(es, new Dependency('elasticsearch', { probe: () => es.cluster.health() }), { index });

async function write(records: Parameters<typeof applyChunks>[1]) {
  const answers = await runStage(sink, records);
  assert.ok(
    answers.every((a) => !(a instanceof ItemFailure)),
    JSON.stringify(answers),
  );
  await es.indices.refresh({ index });
}

before(async () => {
  await es.cluster.health({ timeout: '5s' });
});

after(async () => {
  await es.indices.delete({ index, ignore_unavailable: true });
  await es.close();
});

test('chunks are indexed under <org>:<chunkId> at their document version, searchable by their org only', async () => {
  await write([
    chunk(0, 1, 'Duplicate charges are refunded automatically within 5 business days.'),
    chunk(1, 1, 'A refund shows on your statement once it is processed by your bank.'),
    chunk(0, 1, 'Duplicate charges are refunded automatically within 5 business days.', {
      meta: { ...sampleEvents.KnowledgeChunk.meta, orgId: OTHER },
    }),
  ]);
  const doc = await stored(ORG, 'refunds#1');
  assert.equal(doc?.document_version, 1);
  assert.equal(doc?.org_id, ORG);
  const stats = await es.get({ index, id: chunkDocumentId(ORG, 'refunds#0') });
  assert.equal(stats._version, 1);
  const search = createChunkSearch(es, { index });
  const hits = await search({ orgId: ORG, language: 'en', query: 'charged twice refund', k: 5 });
  assert.deepEqual(hits.passages.map((p) => p.chunkId).sort(), ['refunds#0', 'refunds#1']);
  assert.equal(
    (await search({ orgId: OTHER, language: 'en', query: 'statement', k: 5 })).passages.length,
    0,
    'the other org has only chunk 0',
  );
});

test('a new version overwrites; deletions by record and by tombstone remove; an older version is refused', async () => {
  await write([
    chunk(0, 3, 'Refunds for duplicate charges take up to 3 business days.'),
    deletedChunk(1, 3),
    tombstone({ ...sampleEvents.KnowledgeChunk.meta, orgId: ORG }, 'refunds#1', 3),
  ]);
  assert.equal((await stored(ORG, 'refunds#0'))?.document_version, 3);
  assert.equal(await stored(ORG, 'refunds#1'), null);

  // A replay of the old versions, in order, never brings them back.
  await write([
    chunk(0, 1, 'Duplicate charges are refunded automatically within 5 business days.'),
    chunk(1, 1, 'A refund shows on your statement once it is processed by your bank.'),
  ]);
  assert.equal((await stored(ORG, 'refunds#0'))?.text, 'Refunds for duplicate charges take up to 3 business days.');
  assert.equal(await stored(ORG, 'refunds#1'), null);

  const outcomes = await applyChunks(es, [chunk(0, 2, 'late')], { index });
  assert.equal(outcomes.get(chunkDocumentId(ORG, 'refunds#0')), 'stale');
  // A tombstone of an older version does not delete a newer chunk.
  await write([tombstone({ ...sampleEvents.KnowledgeChunk.meta, orgId: ORG }, 'refunds#0', 2)]);
  assert.equal((await stored(ORG, 'refunds#0'))?.document_version, 3);
});

test('the last record of a chunk in a batch is the one applied', async () => {
  await write([chunk(5, 4, 'five'), deletedChunk(5, 4), chunk(6, 4, 'six'), chunk(6, 4, 'six, again')]);
  assert.equal(await stored(ORG, 'refunds#5'), null);
  assert.equal((await stored(ORG, 'refunds#6'))?.text, 'six, again');
});
