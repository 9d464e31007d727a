/**
 * Retrieval over the demo knowledge base in the real Elasticsearch: the demo articles of two orgs indexed the way
 * the kb-index sink indexes them, in a throwaway index, searched the way the retrieve stage searches. The flow
 * from an import through Kafka into the index is connectors/kb-import/import.integration.test.ts's. Needs the
 * stack (`npm run stack -- up`).
 */
import { Client } from '@elastic/elasticsearch';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../config/index.js';
import { sampleEvents } from '../../schemas/fixtures.js';
import { eventCatalog, type InteractionClassified, type KnowledgeDocument } from '../../schemas/index.js';
import { chunkDocument } from '../chunk/cut.js';
import { respondStage } from '../respond/stage.js';
import { routeStage } from '../route/stage.js';
import { indexKnowledgeBase, knowledgeDocuments } from '../testing/knowledge-kit.js';
import { handleOne } from '../testing/stage-harness.js';
import { type ChunkDocument } from './chunk-index.js';
import { buildChunkQuery, createChunkSearch, createChunkSearchMany } from './search.js';
import { retrieveStage } from './stage.js';

const DEMO = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../connectors/kb-import/demo');
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

before(async () => {
  try {
    await client.cluster.health({ timeout: '2s' });
  } catch (error) {
    throw new Error(
      `Elasticsearch is not reachable at ${url}; start it with \`npm run stack -- up\` (${String(error)})`,
    );
  }
  demo = await knowledgeDocuments(A, DEMO);
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

test('the demo folder indexes for two orgs under separate ids', async () => {
  const a = await indexKnowledgeBase(client, demo, index);
  assert.equal(a.documents, demo.length);
  assert.equal(a.chunks, demoChunks);
  const b = await indexKnowledgeBase(client, await knowledgeDocuments(B, DEMO), index);
  assert.equal(b.chunks, demoChunks);
  await indexKnowledgeBase(client, await knowledgeDocuments(B, extraDir), index);
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
  const [grounded] = await handleOne(
    retrieveStage({ search: createChunkSearchMany(client, { index }), method: 'LEXICAL' }),
    classified,
  );
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
