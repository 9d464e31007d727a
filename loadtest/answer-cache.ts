/**
 * `npm run bench:answer-cache`: the answer cache on the stack's Redis, with the extractive generator underneath.
 *
 * Workload: the ABCD agent guidelines (one article per subflow, 55, read from the shared datasets at run time) as
 * the knowledge base of `--orgs` orgs, and the 55 customer questions written for them
 * (loadtest/retrieval/abcd-questions.json) asked `--requests` times: which question follows a Zipf law of
 * exponent `--zipf` (a few questions are most of a desk's traffic), each ask typed its own way (case, spacing,
 * punctuation), and a share `--unique` of asks carries an order number of its own (digits are kept by the key, so
 * those never repeat). Each ask is retrieved for real (BM25 in process, k = 5, as the stage serves it lexically)
 * and drafted by the extractive generator alone, then through the cache.
 *
 * Also, for the decision on caching retrieval results: the in-process BM25 search on this knowledge base vs a
 * Redis GET of what a retrieval returns (five passages as JSON).
 *
 *   npm run bench:answer-cache -- [--requests 5000] [--orgs 2] [--zipf 1.0] [--unique 0.2] [--seed 7] [--json FILE]
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { loadConfig } from '../config/index.js';
import { AnswerCache, cachedGenerator } from '../processors/respond/answer-cache.js';
import { RedisAnswerStore } from '../processors/respond/answer-store.js';
import { extractiveGenerator } from '../processors/respond/extractive.js';
import type { DraftGenerator, DraftRequest } from '../processors/respond/generator.js';
import { toPassage } from '../processors/retrieve/hybrid/chunk-search.js';
import { KnowledgeBase } from '../processors/retrieve/hybrid/knowledge-base.js';
import { sampleEvents } from '../schemas/fixtures.js';
import type { Passage } from '../schemas/index.js';
import { buildAbcdSet } from './retrieval/abcd-set.js';
import { markdownTable, percentile, round } from './stats.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '5000' },
    orgs: { type: 'string', default: '2' },
    zipf: { type: 'string', default: '1.0' },
    unique: { type: 'string', default: '0.2' },
    seed: { type: 'string', default: '7' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(
    'usage: npm run bench:answer-cache -- [--requests 5000] [--orgs 2] [--zipf 1.0] [--unique 0.2] [--seed 7] [--json FILE]',
  );
  process.exit(0);
}
const requests = Number(values.requests);
const orgCount = Number(values.orgs);
const zipf = Number(values.zipf);
const uniqueShare = Number(values.unique);
const K = 5;

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const loadBefore = load();
console.log(`load average ${loadBefore} on ${availableParallelism()} cores`);

/** mulberry32: the same workload on every run of a seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = random(Number(values.seed));

const { articles, questions } = buildAbcdSet();
const run = randomUUID().slice(0, 8);
const orgs = Array.from({ length: orgCount }, (_, i) => `bench-answers-${run}-${i}`);
const knowledge = new KnowledgeBase({ dimension: 384 });
knowledge.apply(
  orgs.flatMap((orgId) => articles.map((chunk) => ({ kind: 'upsert' as const, orgId, chunk, embedding: null }))),
);

// Zipf weights over the questions in a shuffled order, so popularity does not follow the file's order.
const order = questions.map((_, i) => i).sort(() => rand() - 0.5);
const weights = order.map((_, rank) => 1 / (rank + 1) ** zipf);
const total = weights.reduce((a, b) => a + b, 0);
function pickQuestion(): string {
  let r = rand() * total;
  for (let rank = 0; rank < weights.length; rank++) {
    r -= weights[rank]!;
    if (r <= 0) return questions[order[rank]!]!.text;
  }
  return questions[order[order.length - 1]!]!.text;
}

/** The same question as customers type it: some lower case, some shouting, trailing marks, double spaces. */
function typed(question: string): string {
  const variants = [
    (q: string) => q,
    (q: string) => q.toLowerCase(),
    (q: string) => q.replace(/[.?!]$/, '').toLowerCase(),
    (q: string) => `${q}!!`,
    (q: string) => q.replace(/ /g, '  '),
    (q: string) => q.toUpperCase(),
    (q: string) => q.replace(/,/g, ''),
  ];
  return variants[Math.floor(rand() * variants.length)]!(question);
}

const fixture = sampleEvents.InteractionGrounded;
function requestOf(orgId: string, question: string): DraftRequest {
  const passages: Passage[] = knowledge
    .search(orgId, { text: question, embedding: null, k: K, language: 'en', mode: 'lexical' })
    .map(toPassage);
  return {
    orgId,
    question,
    language: 'en',
    classification: fixture.classification,
    sentiment: fixture.enrichment.sentiment,
    customer: fixture.enrichment.customer,
    passages,
    retrievalMethod: 'LEXICAL',
  };
}

const workload: DraftRequest[] = Array.from({ length: requests }, () => {
  const orgId = orgs[Math.floor(rand() * orgs.length)]!;
  let question = typed(pickQuestion());
  if (rand() < uniqueShare) question += ` My order number is ${100000 + Math.floor(rand() * 900000)}.`;
  return requestOf(orgId, question);
});

const config = loadConfig();
const redis = new Redis(config.redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
redis.on('error', () => undefined);
if (redis.status !== 'ready') await once(redis, 'ready');
const cache = new AnswerCache({
  store: new RedisAnswerStore(redis),
  ttlSeconds: config.answerCache.ttlSeconds,
  // The bench measures the cache, not the bypass: a generous bound, so a slow moment on a busy box is a sample.
  timeoutMs: 2000,
});

const outcomeCounts = async () =>
  Object.fromEntries((await cache.metrics.lookups.get()).values.map((v) => [String(v.labels.outcome), v.value]));

async function timed(generator: DraftGenerator, request: DraftRequest): Promise<number> {
  const started = performance.now();
  await generator.draft(request);
  return performance.now() - started;
}

// Warm the code paths (JIT, the extractive generator's sentence cache) on another org's keys.
const warm = cachedGenerator(extractiveGenerator(), cache);
for (const r of workload.slice(0, 200)) await warm.draft({ ...r, orgId: `bench-answers-${run}-warm` });

// The extractive generator alone, twice: the first pass analyses each passage's sentences once (it keeps them), so
// the second, measured, pass and the cached pass after it draft on the same footing.
const plain = extractiveGenerator();
for (const request of workload) await plain.draft(request);
const plainTimes: number[] = [];
for (const request of workload) plainTimes.push(await timed(plain, request));

const cached = cachedGenerator(extractiveGenerator(), cache);
const byOutcome = new Map<string, number[]>();
let holding = 0;
const started = performance.now();
for (const request of workload) {
  const before = await outcomeCounts();
  const draftStarted = performance.now();
  const draft = await cached.draft(request);
  const ms = performance.now() - draftStarted;
  const after = await outcomeCounts();
  const outcome = ['hit', 'miss', 'bypass'].find((o) => (after[o] ?? 0) > (before[o] ?? 0)) ?? 'not looked up';
  if (draft.holding) holding++;
  if (!byOutcome.has(outcome)) byOutcome.set(outcome, []);
  byOutcome.get(outcome)!.push(ms);
}
const cachedSeconds = (performance.now() - started) / 1000;

// Retrieval in process vs a Redis GET of its result.
const searchTimes: number[] = [];
const getTimes: number[] = [];
const retrievalKey = `bench:answers:${run}:retrieval`;
await redis.set(retrievalKey, JSON.stringify(workload[0]!.passages), 'EX', 600);
for (const request of workload.slice(0, 2000)) {
  let t = performance.now();
  knowledge.search(request.orgId, { text: request.question, embedding: null, k: K, language: 'en', mode: 'lexical' });
  searchTimes.push(performance.now() - t);
  t = performance.now();
  JSON.parse((await redis.get(retrievalKey))!);
  getTimes.push(performance.now() - t);
}
const retrievalBytes = Buffer.byteLength(JSON.stringify(workload[0]!.passages));

const stats = (times: readonly number[]) => {
  const sorted = [...times].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};
const hits = byOutcome.get('hit')?.length ?? 0;
const looked = hits + (byOutcome.get('miss')?.length ?? 0) + (byOutcome.get('bypass')?.length ?? 0);
const rows = [
  ...['hit', 'miss', 'bypass', 'not looked up'].flatMap((o) =>
    byOutcome.has(o) ? [[o, stats(byOutcome.get(o)!)]] : [],
  ),
  ['extractive alone, same asks', stats(plainTimes)],
] as Array<[string, ReturnType<typeof stats>]>;
const loadAfter = load();

console.log(
  `\n${requests} asks over ${orgCount} orgs, ${questions.length} questions (Zipf ${zipf}), ${uniqueShare * 100} % with an order number; ` +
    `${holding} holding replies (not cached)`,
);
console.log(
  `hit ratio ${round(hits / looked, 3)} (${hits} of ${looked} lookups); ${round(cachedSeconds, 1)} s through the cache\n`,
);
console.log(
  markdownTable(
    ['draft', 'count', 'p50 ms', 'p99 ms'],
    rows.map(([name, s]) => [name, s.count, round(s.p50, 3), round(s.p99, 3)]),
  ),
);
const search = stats(searchTimes);
const get = stats(getTimes);
console.log(
  `\nretrieval result (${retrievalBytes} bytes, 5 passages): BM25 in process p50 ${round(search.p50, 3)} ms p99 ${round(search.p99, 3)} ms; ` +
    `Redis GET + parse p50 ${round(get.p50, 3)} ms p99 ${round(get.p99, 3)} ms`,
);
console.log(`load average ${loadBefore} before, ${loadAfter} after`);

if (values.json) {
  writeFileSync(
    values.json,
    JSON.stringify(
      {
        requests,
        orgs: orgCount,
        zipf,
        uniqueShare,
        holding,
        hitRatio: hits / looked,
        drafts: Object.fromEntries(rows),
        retrieval: { bytes: retrievalBytes, search, redisGet: get },
        load: { before: loadBefore, after: loadAfter },
      },
      null,
      2,
    ),
  );
}

const keys = await redis.keys(`*${run}*`);
for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
redis.disconnect();
