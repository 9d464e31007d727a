/**
 * The knowledge base reaching every retrieve instance, on the real stack: `ticketflow kb import` onto a throwaway
 * compacted documents topic, the chunk stage (embedding each passage with the e5 model) onto a throwaway chunks
 * topic, and two knowledge tables following that topic as two retrieve instances would, each with its own
 * follower. A new article, a changed one and a pruned one must reach both within BOUND_MS; the measured delays
 * (from the import command's return to the first search of each instance that shows the change) are printed.
 * Then `ticketflow kb search` and the query API's GET /v1/kb/search answer from the same topic, and a fresh
 * instance is ready only once caught up.
 */
import { Client } from '@elastic/elasticsearch';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { ticketflowHere } from '../../../ops/cli/test-support.js';
import { upsertOrganization } from '../../../ops/db/ingest-keys.js';
import { buildQueryApp } from '../../../query-api/app.js';
import { createJwtVerifier, signDevToken } from '../../../query-api/jwt.js';
import type { RunningStages } from '../../runtime/main.js';
import { codec, config, kafka } from '../../testing/kafka-kit.js';
import { createKnowledgeTopics, startChunkStage, type KnowledgeTopics } from '../../testing/knowledge-kit.js';
import { OnnxEmbedder } from '../embeddings/embedder.js';
import { searchKnowledgeBase, type KbSearchHit } from './kb-search.js';
import { followKnowledgeBase } from './knowledge-table.js';
import { HybridRetriever } from './retriever.js';

/** How long a change may take to reach every instance. */
const BOUND_MS = 10_000;

const pool = new pg.Pool({ connectionString: config.postgres.url, max: 2 });
const run = randomUUID().slice(0, 8);
const ORG = `it-kbt-${run}`;
const OTHER = `it-kbt-other-${run}`;

let topics: KnowledgeTopics;
let dir: string;
let embedder: OnnxEmbedder;
let chunker: RunningStages | null = null;
type Instance = ReturnType<typeof followKnowledgeBase> & { retriever: HybridRetriever };
const instances: Instance[] = [];
const delays: Array<{ change: string; instance: number; ms: number }> = [];

function startInstance(): Instance {
  const followed = followKnowledgeBase(kafka, codec, embedder, { topic: topics.chunks });
  const instance = { ...followed, retriever: new HybridRetriever(followed.table.knowledge, embedder) };
  instances.push(instance);
  return instance;
}

const ask = async (instance: Instance, question: string, orgId = ORG): Promise<KbSearchHit[]> =>
  (await searchKnowledgeBase(instance.retriever, orgId, [question], { k: 3 }))[0]!;

async function importKb(...flags: string[]) {
  const result = await ticketflowHere(['kb', 'import', '--org', ORG, dir, '--topic', topics.documents, ...flags]);
  assert.equal(result.code, 0, result.stderr);
}

/** Polls each instance until `holds` is true of its answer; records and returns each one's delay from now. */
async function untilEveryInstance(change: string, question: string, holds: (hits: KbSearchHit[]) => boolean) {
  const since = Date.now();
  return Promise.all(
    instances.slice(0, 2).map(async (instance, i) => {
      for (;;) {
        const hits = await ask(instance, question);
        if (holds(hits)) {
          const ms = Date.now() - since;
          delays.push({ change, instance: i + 1, ms });
          return ms;
        }
        if (Date.now() - since > BOUND_MS) {
          assert.fail(`instance ${i + 1}: ${change} not served after ${BOUND_MS} ms: ${JSON.stringify(hits)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }),
  );
}

const article = (title: string, body: string) => `# ${title}\n\n${body}\n`;

before(async () => {
  for (const id of [ORG, OTHER]) await upsertOrganization(pool, { id, name: `KB table ${id}` });
  embedder = await OnnxEmbedder.load(config.retrieval.embeddingModelDir);
  topics = await createKnowledgeTopics();
  dir = await mkdtemp(path.join(tmpdir(), 'kb-table-'));
  await writeFile(
    path.join(dir, 'refunds.md'),
    article('Refunds', 'A duplicate charge is refunded automatically within 5 business days.'),
  );
  await writeFile(
    path.join(dir, 'shipping.md'),
    article('Shipping', 'Parcels ship from our warehouse within two days and arrive in about a week.'),
  );
  await writeFile(
    path.join(dir, 'lost-card.md'),
    article('Lost card', 'If your card is lost or stolen, freeze it at once in the app under Cards, then Freeze card.'),
  );
  chunker = await startChunkStage(topics, { embedder });
  startInstance();
  startInstance();
  await Promise.all(instances.map((i) => i.table.ready()));
});

after(async () => {
  await Promise.allSettled([chunker?.stop(), ...instances.map((i) => i.follower.stop())]);
  await topics?.dispose();
  await pool.query('DELETE FROM organizations WHERE id = ANY($1)', [[ORG, OTHER]]);
  await pool.end();
  await embedder?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  if (delays.length > 0) console.log(`KB change → every retrieve instance: ${JSON.stringify(delays)}`);
});

test('an import reaches both instances within the bound, passages with the vectors the chunk stage computed', async () => {
  await importKb();
  await untilEveryInstance('first import', 'I was charged twice', (hits) => hits[0]?.documentId === 'refunds');
  for (const instance of instances) {
    const org = instance.table.knowledge.org(ORG)!;
    assert.equal(org.documentCount, 3);
    // A paraphrase sharing no word with the article is found through its vector: the embedding travelled.
    const [hit] = await instance.retriever.search({
      orgId: ORG,
      query: 'misplaced my debit card',
      k: 1,
      mode: 'vector',
    });
    assert.equal(hit?.chunk.documentId, 'lost-card');
  }
  // Another org sees none of these passages.
  assert.deepEqual(await ask(instances[0]!, 'I was charged twice', OTHER), []);
});

test('a changed article is served by both instances within the bound, and its old text no more', async () => {
  await writeFile(
    path.join(dir, 'refunds.md'),
    article('Refunds', 'A duplicate charge is refunded to the original card within 48 hours, platinum members first.'),
  );
  await importKb();
  await untilEveryInstance('changed article', 'refund duplicate charge', (hits) =>
    hits.some((h) => h.documentId === 'refunds' && h.text.includes('48 hours')),
  );
  for (const instance of instances) {
    const hits = await ask(instance, 'refund duplicate charge');
    assert.ok(!hits.some((h) => h.text.includes('5 business days')), 'the old version is gone');
  }
});

test('a pruned article stops being served by both instances within the bound', async () => {
  await unlink(path.join(dir, 'shipping.md'));
  await importKb('--prune');
  await untilEveryInstance('pruned article', 'when does my parcel ship', (hits) =>
    hits.every((h) => h.documentId !== 'shipping'),
  );
  for (const instance of instances) assert.equal(instance.table.knowledge.org(ORG)!.documentCount, 2);
});

test('a fresh instance is not ready until it caught up, then answers from the whole knowledge base', async () => {
  const fresh = startInstance();
  assert.deepEqual(fresh.table.notReadyReasons(), [`knowledge base: not caught up with ${topics.chunks} yet`]);
  await fresh.table.ready();
  assert.deepEqual(fresh.table.notReadyReasons(), []);
  assert.equal(fresh.table.knowledge.org(ORG)?.documentCount, 2);
  assert.equal((await ask(fresh, 'I was charged twice'))[0]?.documentId, 'refunds');
});

test('ticketflow kb search answers one JSON line per question, k hits from distinct documents, best first', async () => {
  const result = await ticketflowHere(
    ['kb', 'search', '--org', ORG, '--k', '2', '--topic', topics.chunks],
    'I was charged twice\n\nmy card was stolen\n',
  );
  assert.equal(result.code, 0, result.stderr);
  const answers = result.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { hits: KbSearchHit[] });
  assert.equal(answers.length, 3);
  assert.equal(answers[0]!.hits[0]!.documentId, 'refunds');
  assert.deepEqual(answers[1], { hits: [] });
  assert.equal(answers[2]!.hits[0]!.documentId, 'lost-card');
  for (const { hits } of answers) {
    assert.ok(hits.length <= 2);
    assert.equal(new Set(hits.map((h) => h.documentId)).size, hits.length, 'distinct documents');
    for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1]!.score >= hits[i]!.score, 'best first');
    for (const h of hits) for (const field of ['documentId', 'chunkId', 'score', 'text']) assert.ok(field in h);
  }

  const unknown = await ticketflowHere(['kb', 'search', '--org', `nobody-${run}`, '--topic', topics.chunks], 'x\n');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown org/);
  const badK = await ticketflowHere(['kb', 'search', '--org', ORG, '--k', '0'], 'x\n');
  assert.equal(badK.code, 2);
  assert.match(badK.stderr, /--k must be/);
});

test('GET /v1/kb/search answers from a followed table, scoped to the token’s org, 503 until caught up', async () => {
  const SECRET = 'integration-test-secret-long-enough-0000';
  const es = new Client({ node: config.elasticsearch.url, requestTimeout: 10_000, maxRetries: 0 });
  const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const fresh = startInstance();
  let caughtUp = false;
  const app = await buildQueryApp({
    config: { ...config.queryApi, rateLimits: { org: 10_000, user: 10_000, orgEndpoints: {}, userEndpoints: {} } },
    es,
    redis,
    verify: createJwtVerifier({ algorithm: 'HS256', secret: SECRET }),
    version: 'test',
    knowledge: {
      caughtUp: () => caughtUp,
      search: async (orgId, q, options) => (await searchKnowledgeBase(fresh.retriever, orgId, [q], options))[0]!,
    },
  });
  const get = (url: string, org = ORG) =>
    app.inject({ url, headers: { authorization: `Bearer ${signDevToken(SECRET, { org, sub: 'agent' })}` } });
  try {
    assert.equal((await get('/v1/kb/search?q=refund')).statusCode, 503);
    await fresh.table.ready();
    caughtUp = true;
    const res = await get(`/v1/kb/search?${new URLSearchParams({ q: 'I was charged twice', k: '2' })}`);
    assert.equal(res.statusCode, 200, res.body);
    const { hits } = res.json<{ hits: KbSearchHit[] }>();
    assert.equal(hits[0]?.documentId, 'refunds');
    assert.ok(hits.length <= 2 && new Set(hits.map((h) => h.documentId)).size === hits.length);
    assert.deepEqual((await get('/v1/kb/search?q=I%20was%20charged%20twice', OTHER)).json(), { hits: [] });
    const bad = await get('/v1/kb/search?q=refund&k=100');
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json<{ details: Array<{ field: string }> }>().details[0]?.field, 'k');
  } finally {
    await app.close();
    redis.disconnect();
    await es.close();
  }
});
