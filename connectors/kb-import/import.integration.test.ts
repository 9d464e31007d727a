/**
 * The knowledge base as a stream, on the real stack: `ticketflow kb import` onto a compacted documents topic,
 * the chunk stage onto a compacted chunks topic, the kb-index sink into a throwaway Elasticsearch index, all on
 * topics of this run's own. Checks what each topic holds and what retrieval then finds, through re-imports,
 * changes, a restart of the chunk stage, pruning and a refused org.
 */
import { Client } from '@elastic/elasticsearch';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { KafkaMessage } from 'kafkajs';
import pg from 'pg';
import { ticketflowHere } from '../../ops/cli/test-support.js';
import { upsertOrganization } from '../../ops/db/ingest-keys.js';
import { createChunkSearch } from '../../processors/retrieve/search.js';
import { HEADER, headerString } from '../../processors/runtime/headers.js';
import type { RunningStages } from '../../processors/runtime/main.js';
import { codec, collect, config, kafka } from '../../processors/testing/kafka-kit.js';
import {
  createKnowledgeTopics,
  knowledgeDocuments,
  startChunkStage,
  startKbIndex,
  type KnowledgeTopics,
} from '../../processors/testing/knowledge-kit.js';
import { eventCatalog, type KnowledgeChunk, type KnowledgeDocument } from '../../schemas/index.js';
import type { ImportSummary } from './import.js';
import { unindexed, untilSearchable } from './searchable.js';

const es = new Client({ node: config.elasticsearch.url, requestTimeout: 10_000, maxRetries: 0 });
const pool = new pg.Pool({ connectionString: config.postgres.url, max: 2 });
const run = randomUUID().slice(0, 8);
const ORG = `it-kb-${run}`;
const ORG_JSONL = `it-kb-jsonl-${run}`;
const index = `test-kb-stream-${run}`;

let topics: KnowledgeTopics;
let documentsTopic: string;
let chunksTopic: string;
let dir: string;
let chunker: RunningStages | null = null;
let indexer: RunningStages;

const sentence = (topic: string, n: number) =>
  `Our ${topic} policy, point ${n}: every customer gets a clear answer about ${topic} within one business day.`;
const article = (title: string, topic: string, paragraphs: number) =>
  `# ${title}\n\n` +
  Array.from({ length: paragraphs }, (_, p) =>
    Array.from({ length: 6 }, (_, s) => sentence(topic, p * 6 + s)).join(' '),
  ).join('\n\n');

async function importKb(org: string, target: string, ...flags: string[]) {
  const result = await ticketflowHere([
    'kb',
    'import',
    '--org',
    org,
    target,
    '--topic',
    documentsTopic,
    '--json',
    ...flags,
  ]);
  return { ...result, summary: result.code === 0 ? (JSON.parse(result.stdout) as ImportSummary) : null };
}

async function ends(topic: string): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition).map((p) => p.high);
  } finally {
    await admin.disconnect();
  }
}

interface Read<T> {
  key: string;
  value: T | null;
  headers: KafkaMessage['headers'];
}

/** Every record of a topic so far, tombstones included, decoded. */
async function readAll<T>(topic: string, event: 'KnowledgeDocument' | 'KnowledgeChunk'): Promise<Read<T>[]> {
  const high = (await ends(topic)).reduce((n, h) => n + Number(h), 0);
  const reader = await collect(topic);
  try {
    await reader.until((records) => records.length >= high, 30_000);
    const schema = eventCatalog().get(event).schema;
    return Promise.all(
      reader.records.map(async ({ message }) => ({
        key: message.key!.toString(),
        value: message.value === null ? null : await codec.decode<T>(message.value, schema),
        headers: message.headers,
      })),
    );
  } finally {
    await reader.stop();
  }
}

/** What the documents topic holds as current for an org: the last record per key, deleted ones left out. */
async function liveDocuments(org: string): Promise<KnowledgeDocument[]> {
  const last = new Map<string, KnowledgeDocument | null>();
  for (const r of await readAll<KnowledgeDocument>(documentsTopic, 'KnowledgeDocument')) {
    if (r.key.startsWith(`${org}:`)) last.set(r.key, r.value?.deleted ? null : r.value);
  }
  return [...last.values()].filter((d): d is KnowledgeDocument => d !== null);
}

before(async () => {
  await es.cluster.health({ timeout: '5s' });
  for (const id of [ORG, ORG_JSONL]) await upsertOrganization(pool, { id, name: `KB stream ${id}` });
  topics = await createKnowledgeTopics();
  [documentsTopic, chunksTopic] = [topics.documents, topics.chunks];
  dir = await mkdtemp(path.join(tmpdir(), 'kb-stream-'));
  await writeFile(path.join(dir, 'refunds.md'), article('Refunds', 'refund', 5));
  await writeFile(path.join(dir, 'shipping.md'), article('Shipping', 'shipping', 1));
  await writeFile(
    path.join(dir, 'lost-card.html'),
    '<html><head><title>Lost card</title></head><body><p>If your card is lost or stolen, freeze it at once in ' +
      'the app under Cards, then Freeze card.</p></body></html>',
  );
  chunker = await startChunkStage(topics);
  indexer = await startKbIndex(es, topics, index);
});

after(async () => {
  await Promise.allSettled([chunker?.stop(), indexer?.stop()]);
  await topics?.dispose();
  await es.indices.delete({ index, ignore_unavailable: true });
  await pool.query('DELETE FROM organizations WHERE id = ANY($1)', [[ORG, ORG_JSONL]]);
  await Promise.allSettled([pool.end(), es.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('an import produces one document per article, keyed <org>:<documentId>, and retrieval finds its chunks', async () => {
  const started = Date.now();
  const { code, summary, stderr } = await importKb(ORG, dir);
  assert.equal(code, 0, stderr);
  assert.deepEqual([...summary!.added].sort(), ['lost-card', 'refunds', 'shipping']);
  assert.equal(summary!.produced, 3);
  // A first import's versions are the files' modification times, as the documents are read here.
  await untilSearchable(es, ORG, await knowledgeDocuments(ORG, dir), { index, timeoutMs: 60_000 });
  console.log(`import (${summary!.durationMs} ms) → searchable: ${Date.now() - started} ms`);

  const documents = await readAll<KnowledgeDocument>(documentsTopic, 'KnowledgeDocument');
  assert.deepEqual(documents.map((r) => r.key).sort(), [`${ORG}:lost-card`, `${ORG}:refunds`, `${ORG}:shipping`]);
  assert.deepEqual(await unindexed(es, ORG, await liveDocuments(ORG), index), []);

  const chunks = await readAll<KnowledgeChunk>(chunksTopic, 'KnowledgeChunk');
  const refunds = chunks.filter((r) => r.value?.documentId === 'refunds');
  assert.ok(refunds.length >= 4, `the long article is cut into several chunks (${refunds.length})`);
  assert.deepEqual(
    refunds.map((r) => r.key),
    refunds.map((r) => `${ORG}:refunds#${r.value!.chunkIndex}`),
  );
  assert.ok(chunks.every((r) => r.value !== null && !r.value.deleted));

  const search = createChunkSearch(es, { index });
  const found = await search({ orgId: ORG, language: 'en', query: 'my card was stolen', k: 3 });
  assert.equal(found.passages[0]?.documentId, 'lost-card');
});

test('re-importing unchanged articles produces nothing, even when their files were touched', async () => {
  const before = await ends(documentsTopic);
  const later = new Date(Date.now() + 60_000);
  const { utimes } = await import('node:fs/promises');
  await utimes(path.join(dir, 'shipping.md'), later, later);
  const { code, summary } = await importKb(ORG, dir);
  assert.equal(code, 0);
  assert.deepEqual([summary!.produced, summary!.unchanged, summary!.added, summary!.changed], [0, 3, [], []]);
  assert.deepEqual(await ends(documentsTopic), before);
});

test('a shorter version, chunked by a restarted stage, replaces the old chunks and tombstones the surplus', async () => {
  const old = (await liveDocuments(ORG)).find((d) => d.documentId === 'refunds')!;
  // The restarted stage knows the old version's chunks only from the chunks topic.
  await chunker!.stop();
  chunker = null;
  await writeFile(path.join(dir, 'refunds.md'), article('Refunds', 'refund', 1));
  const { code, summary } = await importKb(ORG, dir);
  assert.equal(code, 0);
  assert.deepEqual([summary!.changed, summary!.produced], [['refunds'], 1]);
  chunker = await startChunkStage(topics);

  const live = await liveDocuments(ORG);
  const refunds = live.find((d) => d.documentId === 'refunds')!;
  assert.ok(refunds.version > old.version);
  await untilSearchable(es, ORG, live, { index, timeoutMs: 60_000 });
  const indexed = await es.search({ index, size: 100, query: { term: { document_id: 'refunds' } } });
  assert.deepEqual(
    indexed.hits.hits.map((h) => h._id),
    [`${ORG}:refunds#0`],
  );

  // On the chunks topic each surplus chunk gets its deletion, then its tombstone with the new version.
  const records = (await readAll<KnowledgeChunk>(chunksTopic, 'KnowledgeChunk')).filter((r) =>
    r.key.startsWith(`${ORG}:refunds#`),
  );
  const surplus = records.filter((r) => r.key !== `${ORG}:refunds#0`);
  for (const key of new Set(surplus.map((r) => r.key))) {
    const ofKey = surplus.filter((r) => r.key === key);
    const [deleted, tombstone] = ofKey.slice(-2);
    assert.equal(deleted?.value?.deleted, true, key);
    assert.equal(deleted?.value?.documentVersion, refunds.version);
    assert.equal(tombstone?.value, null, key);
    assert.equal(headerString(tombstone?.headers, HEADER.entityVersion), String(refunds.version));
  }
});

test('--prune deletes what the folder no longer has: a deletion and a tombstone, then no chunk left', async () => {
  await rm(path.join(dir, 'shipping.md'));
  const { code, summary } = await importKb(ORG, dir, '--prune');
  assert.equal(code, 0);
  assert.deepEqual([summary!.removed, summary!.produced], [['shipping'], 2]);
  const shipping = (await readAll<KnowledgeDocument>(documentsTopic, 'KnowledgeDocument')).filter(
    (r) => r.key === `${ORG}:shipping`,
  );
  const [deleted, tombstone] = shipping.slice(-2);
  assert.equal(deleted?.value?.deleted, true);
  assert.equal(tombstone?.value, null);
  assert.equal(headerString(tombstone?.headers, HEADER.entityVersion), String(deleted?.value?.version));

  const live = await liveDocuments(ORG);
  assert.deepEqual(live.map((d) => d.documentId).sort(), ['lost-card', 'refunds']);
  await untilSearchable(es, ORG, live, { index, timeoutMs: 60_000 });
  assert.deepEqual(await unindexed(es, ORG, live, index), []);
});

test('JSON lines of {id, title, text, language} import too, each org seeing only its own', async () => {
  const file = path.join(dir, '..', `kb-${run}.jsonl`);
  await writeFile(
    file,
    [
      { id: 'devoluciones', title: 'Devoluciones', text: 'Puede devolver un artículo en 30 días.', language: 'es' },
      { id: 'refunds', title: 'Refunds', text: 'Refunds arrive within 5 business days.', language: 'en' },
    ]
      .map((line) => JSON.stringify(line))
      .join('\n'),
  );
  try {
    const { code, summary } = await importKb(ORG_JSONL, file);
    assert.equal(code, 0);
    assert.equal(summary!.produced, 2);
  } finally {
    await rm(file, { force: true });
  }
  await untilSearchable(es, ORG_JSONL, await liveDocuments(ORG_JSONL), { index, timeoutMs: 60_000 });
  const search = createChunkSearch(es, { index });
  const es1 = await search({ orgId: ORG_JSONL, language: 'es', query: '¿Puedo devolver un artículo?', k: 3 });
  assert.deepEqual(
    es1.passages.map((p) => p.chunkId),
    ['devoluciones#0'],
  );
  // The same document id in two orgs is two documents.
  const en = await search({ orgId: ORG_JSONL, language: 'en', query: 'refund policy point', k: 5 });
  assert.ok(en.passages.every((p) => p.text === 'Refunds arrive within 5 business days.'));
});

test('an unknown org is refused with exit 2 and nothing produced', async () => {
  const before = await ends(documentsTopic);
  const { code, stderr, stdout } = await importKb(`no-such-org-${run}`, dir);
  assert.equal(code, 2);
  assert.match(stderr, /unknown org "no-such-org-[^"]+": create it first \(ticketflow db create-org/);
  assert.equal(stdout, '');
  assert.deepEqual(await ends(documentsTopic), before);
});
