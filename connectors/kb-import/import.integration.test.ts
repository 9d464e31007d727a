/**
 * The knowledge-base import against the real Elasticsearch: the demo articles for two orgs in a throwaway
 * index, searched the way the retrieve stage searches. Needs the stack (`npm run stack -- up`).
 */
import { Client } from '@elastic/elasticsearch';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../config/index.js';
import { chunkDocumentId, type ChunkDocument } from '../../processors/retrieve/chunk-index.js';
import { buildChunkQuery, createChunkSearch, createChunkSearchMany } from '../../processors/retrieve/search.js';
import { handleOne } from '../../processors/testing/stage-harness.js';
import { respondStage } from '../../processors/respond/stage.js';
import { retrieveStage } from '../../processors/retrieve/stage.js';
import { routeStage } from '../../processors/route/stage.js';
import { sampleEvents } from '../../schemas/fixtures.js';
import { eventCatalog, type InteractionClassified, type KnowledgeDocument } from '../../schemas/index.js';
import { chunkDocument } from '../../processors/chunk/cut.js';
import { toKnowledgeDocument } from './documents.js';
import { importDocuments, importPath } from './import.js';
import { readSources } from './sources.js';

const DEMO = path.join(path.dirname(fileURLToPath(import.meta.url)), 'demo');
const url = loadConfig().elasticsearch.url;
const client = new Client({ node: url, requestTimeout: 10_000, maxRetries: 0 });
// Unique per run, so parallel or aborted runs never see each other's chunks.
const index = `test-kb-chunks-${process.pid}-${Date.now()}`;
const A = 'org-alpha';
const B = 'org-beta';

let demo: KnowledgeDocument[];
let demoChunks: number;
let extraDir: string;

const countFor = async (orgId: string) => (await client.count({ index, query: { term: { org_id: orgId } } })).count;
const exists = (orgId: string, chunkId: string) => client.exists({ index, id: chunkDocumentId(orgId, chunkId) });

before(async () => {
  try {
    await client.cluster.health({ timeout: '2s' });
  } catch (error) {
    throw new Error(
      `Elasticsearch is not reachable at ${url}; start it with \`npm run stack -- up\` (${String(error)})`,
    );
  }
  demo = (await readSources(DEMO)).map((s) => toKnowledgeDocument(A, s, { defaultLanguage: 'en', now: Date.now() }));
  demoChunks = demo.reduce((n, d) => n + chunkDocument(d).length, 0);
  extraDir = await mkdtemp(path.join(tmpdir(), 'kb-extra-'));
  await writeFile(
    path.join(extraDir, 'loyalty-points.md'),
    '# Loyalty points\n\nEvery purchase earns loyalty points worth one cent each. Loyalty points expire after two years.',
  );
});

after(async () => {
  await client.indices.delete({ index, ignore_unavailable: true });
  await client.close();
  await rm(extraDir, { recursive: true, force: true });
});

test('the demo folder imports for two orgs under separate ids', async () => {
  const progress: number[] = [];
  const a = await importPath(client, DEMO, { orgId: A, index, onProgress: (p) => progress.push(p.documents) });
  assert.equal(a.documents, demo.length);
  assert.equal(a.chunks, demoChunks);
  assert.deepEqual(progress.at(-1), demo.length);
  const b = await importPath(client, DEMO, { orgId: B, index });
  assert.equal(b.chunks, demoChunks);
  await importPath(client, extraDir, { orgId: B, index });
  assert.equal(await countFor(A), demoChunks);
  assert.equal(await countFor(B), demoChunks + 1);
});

test('the mapping is the one declared, with the custom analyzer', async () => {
  const mapping = await client.indices.getMapping({ index });
  const properties = mapping[index]!.mappings.properties!;
  assert.equal(properties.org_id!.type, 'keyword');
  assert.deepEqual(properties.text, { type: 'text', analyzer: 'tf_text' });
  const analyzed = await client.indices.analyze({ index, analyzer: 'tf_text', text: 'The Refunds are QUICK' });
  assert.deepEqual(
    analyzed.tokens!.map((t) => t.token),
    ['refunds', 'quick'],
  );
});

test('search finds the answering chunk, within the org only', async () => {
  const search = createChunkSearch(client, { index });
  const result = await search({ orgId: A, language: 'en', query: 'I was charged twice for my order', k: 3 });
  assert.equal(result.language, 'en');
  assert.equal(result.passages[0]?.chunkId, 'returns-and-refunds#1');
  assert.deepEqual(
    result.passages.map((p) => p.rank),
    result.passages.map((_, i) => i + 1),
  );
  assert.ok(result.passages.every((p, i) => i === 0 || p.score <= result.passages[i - 1]!.score));

  // Org B's own article is invisible to org A, and found for org B.
  assert.deepEqual((await search({ orgId: A, language: 'en', query: 'loyalty points', k: 3 })).passages, []);
  assert.equal(
    (await search({ orgId: B, language: 'en', query: 'loyalty points', k: 3 })).passages[0]?.chunkId,
    'loyalty-points#0',
  );

  // Every raw hit of org A's query is org A's chunk.
  const raw = await client.search<ChunkDocument>({
    index,
    size: 100,
    query: buildChunkQuery(A, 'en', 'card refund delivery password')!,
  });
  assert.ok(raw.hits.hits.length > 3);
  assert.ok(raw.hits.hits.every((h) => h._id!.startsWith(`${A}:`) && h._source!.org_id === A));
});

test('search stays within the question’s language unless fallbacks are configured', async () => {
  const search = createChunkSearch(client, { index });
  const es = await search({
    orgId: A,
    language: 'es-ES',
    query: '¿Cuándo recibo el reembolso de mi devolución?',
    k: 3,
  });
  assert.deepEqual(
    es.passages.map((p) => p.chunkId),
    ['es/devoluciones-y-reembolsos#0'],
  );
  assert.deepEqual((await search({ orgId: A, language: 'en', query: 'reembolso devolución', k: 3 })).passages, []);
  assert.deepEqual((await search({ orgId: A, language: 'fr', query: 'refund', k: 3 })).passages, []);
  const withFallback = createChunkSearch(client, { index, fallbackLanguages: ['en'] });
  const fr = await withFallback({ orgId: A, language: 'fr', query: 'refund', k: 3 });
  assert.equal(fr.language, 'en');
  assert.ok(fr.passages.length > 0);
});

test('retrieve, respond and route chain over the imported articles into valid events', async () => {
  const base = sampleEvents.InteractionClassified;
  const classified: InteractionClassified = {
    ...base,
    meta: { ...base.meta, orgId: A },
    enrichment: {
      ...base.enrichment,
      redactedSubject: 'Reset link',
      redactedBody: 'Hi, my password reset link expired before I could use it. Reach me at [EMAIL].',
      sentiment: { score: 0, label: 'NEUTRAL' },
    },
    classification: { ...base.classification, intent: 'passcode_forgotten', priority: 'P3' },
  };
  const [grounded] = await handleOne(retrieveStage({ search: createChunkSearchMany(client, { index }) }), classified);
  eventCatalog().encode('InteractionGrounded', grounded!);
  assert.equal(grounded!.grounding.passages[0]?.documentId, 'password-reset');

  const [drafted] = await handleOne(respondStage(), grounded!);
  eventCatalog().encode('ResponseDrafted', drafted!);
  assert.equal(drafted!.draft.holding, false);
  assert.ok(drafted!.draft.text.includes('If your link has expired, request a new one from the sign-in page.'));
  assert.equal(drafted!.draft.citations[0]?.documentId, 'password-reset');

  const settings = () => ({ autoReplyIntents: ['passcode_forgotten'], autoReplyThreshold: 0.6 });
  const [routed] = await handleOne(routeStage({ settings }), drafted!);
  eventCatalog().encode('RoutingDecided', routed!);
  assert.equal(
    routed!.routing.decision,
    'AUTO_REPLY',
    JSON.stringify({ ...routed!.routing, confidence: drafted!.draft.confidence }),
  );
  assert.equal(routed!.routing.queue, 'account-en');
  assert.equal(routed!.routing.firstResponseDueAt, classified.interaction.receivedAt + 480 * 60_000);
});

test('re-importing is idempotent', async () => {
  const before = await countFor(A);
  const again = await importPath(client, DEMO, { orgId: A, index });
  assert.equal(again.chunks, demoChunks);
  assert.equal(again.surplusChunksDeleted, 0);
  assert.deepEqual(again.stale, []);
  assert.equal(await countFor(A), before);
  const stored = await client.get<ChunkDocument>({ index, id: chunkDocumentId(A, 'returns-and-refunds#0') });
  const original = demo.find((d) => d.documentId === 'returns-and-refunds')!;
  assert.equal(stored._version, original.version);
});

test('a shorter new version deletes its surplus chunks; an older version is then refused', async () => {
  const original = demo.find((d) => d.documentId === 'returns-and-refunds')!;
  assert.ok(chunkDocument(original).length >= 2);
  const shorter: KnowledgeDocument = {
    ...original,
    version: original.version + 1,
    body: '# Returns and refunds\n\nYou can return most items within 30 days of delivery for a full refund.',
  };
  const before = await countFor(A);
  const result = await importDocuments(client, [shorter], { orgId: A, index });
  assert.equal(result.chunks, 1);
  assert.equal(result.surplusChunksDeleted, chunkDocument(original).length - 1);
  assert.equal(await countFor(A), before - result.surplusChunksDeleted);
  assert.equal(await exists(A, 'returns-and-refunds#1'), false);
  // The other org's copy of the document is untouched.
  assert.equal(await exists(B, 'returns-and-refunds#1'), true);

  const late = await importDocuments(client, [original], { orgId: A, index });
  assert.deepEqual(late.stale, ['returns-and-refunds']);
  assert.equal(await exists(A, 'returns-and-refunds#1'), false);
  const stored = await client.get<ChunkDocument>({ index, id: chunkDocumentId(A, 'returns-and-refunds#0') });
  assert.equal(stored._source!.document_version, shorter.version);
  assert.equal(stored._source!.chunk_count, 1);
});

test('a deleted document loses all its chunks; prune removes documents gone from the source', async () => {
  const contact = demo.find((d) => d.documentId === 'contact-hours')!;
  const deleted = await importDocuments(
    client,
    [{ ...contact, version: contact.version + 1, deleted: true, body: '' }],
    { orgId: A, index },
  );
  assert.equal(deleted.surplusChunksDeleted, chunkDocument(contact).length);
  assert.equal(await exists(A, 'contact-hours#0'), false);

  const beforePrune = await countFor(B);
  const pruned = await importPath(client, extraDir, { orgId: B, index, prune: true });
  assert.deepEqual(pruned.pruned.sort(), demo.map((d) => d.documentId).sort());
  assert.equal(await countFor(B), 1);
  assert.ok(beforePrune > 1);
});
