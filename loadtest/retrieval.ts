/**
 * `npm run bench:retrieval`: the in-process hybrid retrieval, measured.
 *
 * 1. Embeddings/s of the installed model (e5-small-v2, int8 ONNX) for questions and for passages, one text per
 *    run and eight per run.
 * 2. Quality on a FAQ-style set built from CLINC150 at bench time (loadtest/retrieval/faq-set.ts): recall@1,
 *    recall@5 and MRR@10 at the document level, for BM25 alone, vectors alone and hybrid. BM25's parameters
 *    and then the fusion's are tuned on the dev questions only (by MRR, then recall@5); the test questions,
 *    never looked at while tuning, give the reported figures.
 * 2b. The same on the ABCD agent guidelines (loadtest/retrieval/abcd-set.ts), one article per subflow, against
 *    one question per subflow written for this project, with the parameters chosen above.
 * 3. Speed for an org of `--passages` passages (synthetic-org.ts): index build time, queries/s, p50/p99 and
 *    CPU time per query in-process for each mode given the question's embedding, and with the question's
 *    embedding computed in the call.
 *
 *   npm run bench:retrieval -- [--examples 10] [--passages 10000] [--latency-queries 3000] [--no-tune] [--json FILE]
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.js';
import { OnnxEmbedder, passageEmbeddingText } from '../processors/retrieve/embeddings/embedder.js';
import { DEFAULT_BM25, type Bm25Params } from '../processors/retrieve/hybrid/bm25.js';
import { DEFAULT_FUSION, type FusionParams } from '../processors/retrieve/hybrid/fusion.js';
import { KnowledgeBase } from '../processors/retrieve/hybrid/knowledge-base.js';
import { KnowledgeIndex, type RetrievalMode } from '../processors/retrieve/hybrid/knowledge-index.js';
import { HybridRetriever } from '../processors/retrieve/hybrid/retriever.js';
import { buildAbcdSet } from './retrieval/abcd-set.js';
import { buildFaqSet, type FaqQuestion } from './retrieval/faq-set.js';
import { qualityOf, type QualityMetrics } from './retrieval/metrics.js';
import { syntheticOrg } from './retrieval/synthetic-org.js';
import { markdownTable, percentile, round } from './stats.js';

const { values } = parseArgs({
  options: {
    examples: { type: 'string', default: '10' },
    passages: { type: 'string', default: '10000' },
    'latency-queries': { type: 'string', default: '3000' },
    'no-tune': { type: 'boolean', default: false },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(
    'usage: npm run bench:retrieval -- [--examples 10] [--passages 10000] [--latency-queries 3000] [--no-tune] [--json FILE]',
  );
  process.exit(0);
}
const examples = Number(values.examples);
const passageCount = Number(values.passages);
const latencyQueries = Number(values['latency-queries']);
const K_EVAL = 10;
const K_SERVE = 5;
const MODES: RetrievalMode[] = ['lexical', 'vector', 'hybrid'];
const MODE_NAME: Record<RetrievalMode, string> = { lexical: 'BM25', vector: 'vectors', hybrid: 'hybrid (RRF)' };

const config = loadConfig();
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const seconds = (since: number) => (performance.now() - since) / 1000;
console.log(`load average ${load()} on ${availableParallelism()} cores`);

const embedder = await OnnxEmbedder.load(config.retrieval.embeddingModelDir, {
  threads: config.retrieval.embeddingThreads,
  maxTokens: config.retrieval.embeddingMaxTokens,
});
const set = buildFaqSet({ examplesPerArticle: examples });
const questions = [...set.dev, ...set.test];
console.log(
  `FAQ set from CLINC150: ${set.articles.length} articles, ${set.dev.length} dev and ${set.test.length} test questions`,
);

// 1. Embeddings/s. The whole set is embedded one text per run (the embedder's default, and what the index
// holds); a sample again eight per run.
interface EmbedRate {
  kind: 'questions' | 'passages';
  batch: number;
  texts: number;
  perSec: number;
  tokensPerSec: number;
}
const embedRates: EmbedRate[] = [];
const tokenCount = (texts: readonly string[], prefix: string) =>
  texts.reduce((n, t) => n + embedder.tokenizer.encode(prefix + t, config.retrieval.embeddingMaxTokens).ids.length, 0);
async function timedEmbed(kind: EmbedRate['kind'], texts: readonly string[], batch: number, using: OnnxEmbedder) {
  const started = performance.now();
  const vectors = kind === 'questions' ? await using.embedQueries(texts) : await using.embedPassages(texts);
  const took = seconds(started);
  const tokens = tokenCount(texts, kind === 'questions' ? 'query: ' : 'passage: ');
  embedRates.push({ kind, batch, texts: texts.length, perSec: texts.length / took, tokensPerSec: tokens / took });
  return vectors;
}
await embedder.embedQueries(['warm up the session']);
const passageTexts = set.articles.map(passageEmbeddingText);
console.log('embedding the articles and every question, one text per run');
const articleVectors = await timedEmbed('passages', passageTexts, 1, embedder);
const questionVectors = await timedEmbed(
  'questions',
  questions.map((q) => q.text),
  1,
  embedder,
);
const vectorOf = new Map(questions.map((q, i) => [q, questionVectors[i]!]));
{
  const batched = await OnnxEmbedder.load(config.retrieval.embeddingModelDir, {
    threads: config.retrieval.embeddingThreads,
    maxTokens: config.retrieval.embeddingMaxTokens,
    batchSize: 8,
  });
  await batched.embedQueries(['warm up the session']);
  await timedEmbed('passages', passageTexts, 8, batched);
  await timedEmbed(
    'questions',
    questions.slice(0, 400).map((q) => q.text),
    8,
    batched,
  );
  await batched.close();
}

// 2. Quality.
function indexOf(bm25: Bm25Params, fusion: FusionParams): KnowledgeIndex {
  const index = new KnowledgeIndex({ dimension: embedder.dimension, bm25, fusion });
  set.articles.forEach((a, i) => index.upsert(a, articleVectors[i]!));
  return index;
}
function evaluate(index: KnowledgeIndex, mode: RetrievalMode, part: readonly FaqQuestion[]): QualityMetrics {
  const rankings = part.map((q) =>
    index
      .search({ text: q.text, embedding: vectorOf.get(q)!, k: K_EVAL, language: 'en', mode })
      .map((h) => h.chunk.documentId),
  );
  return qualityOf(
    rankings,
    part.map((q) => q.documentId),
  );
}
const better = (a: QualityMetrics, b: QualityMetrics) =>
  a.mrr > b.mrr + 1e-9 || (Math.abs(a.mrr - b.mrr) <= 1e-9 && a.recallAt5 > b.recallAt5);

let bm25 = DEFAULT_BM25;
let fusion = DEFAULT_FUSION;
const tuning: Array<{ step: string; params: string; dev: QualityMetrics }> = [];
if (!values['no-tune']) {
  console.log('tuning BM25 on the dev questions (lexical MRR)');
  let best: QualityMetrics | null = null;
  for (const k1 of [0.6, 0.9, 1.2, 1.6, 2.0]) {
    for (const b of [0.3, 0.5, 0.75, 0.9]) {
      for (const titleWeight of [1, 2, 3, 5]) {
        const params = { k1, b, titleWeight };
        const dev = evaluate(indexOf(params, fusion), 'lexical', set.dev);
        if (!best || better(dev, best)) [best, bm25] = [dev, params];
      }
    }
  }
  tuning.push({ step: 'BM25', params: JSON.stringify(bm25), dev: best! });
  console.log('tuning the fusion on the dev questions (hybrid MRR)');
  best = null;
  for (const k of [1, 3, 5, 10, 20, 30, 60, 100]) {
    for (const vectorWeight of [0.5, 0.75, 1, 1.5, 2, 3]) {
      const params = { k, lexicalWeight: 1, vectorWeight };
      const dev = evaluate(indexOf(bm25, params), 'hybrid', set.dev);
      if (!best || better(dev, best)) [best, fusion] = [dev, params];
    }
  }
  tuning.push({ step: 'fusion', params: JSON.stringify(fusion), dev: best! });
}

interface QualityRow {
  mode: RetrievalMode;
  params: 'defaults' | 'tuned on dev';
  part: 'dev' | 'test';
  metrics: QualityMetrics;
}
const quality: QualityRow[] = [];
const settings: Array<[QualityRow['params'], Bm25Params, FusionParams]> = [['defaults', DEFAULT_BM25, DEFAULT_FUSION]];
if (!values['no-tune']) settings.push(['tuned on dev', bm25, fusion]);
for (const [params, b, f] of settings) {
  const index = indexOf(b, f);
  for (const mode of MODES) {
    for (const part of ['dev', 'test'] as const) {
      quality.push({ mode, params, part, metrics: evaluate(index, mode, set[part]) });
    }
  }
}

// 2b. The ABCD guidelines against questions written for them, with the parameters chosen on CLINC150's dev part.
console.log('embedding the ABCD guideline articles and their questions');
const abcd = buildAbcdSet();
const abcdArticleVectors = await embedder.embedPassages(abcd.articles.map(passageEmbeddingText));
const abcdQuestionVectors = await embedder.embedQueries(abcd.questions.map((q) => q.text));
abcd.questions.forEach((q, i) => vectorOf.set(q, abcdQuestionVectors[i]!));
const abcdQuality: Array<{ mode: RetrievalMode; params: QualityRow['params']; metrics: QualityMetrics }> = [];
for (const [params, b, f] of settings) {
  const index = new KnowledgeIndex({ dimension: embedder.dimension, bm25: b, fusion: f });
  abcd.articles.forEach((a, i) => index.upsert(a, abcdArticleVectors[i]!));
  for (const mode of MODES) abcdQuality.push({ mode, params, metrics: evaluate(index, mode, abcd.questions) });
}

// 3. Speed for a large org, with the parameters chosen above.
console.log(`building an org of ${passageCount} passages`);
const synthetic = syntheticOrg(set.articles, articleVectors, set.utterances, passageCount);
const changes = synthetic.map(({ chunk, embedding }) => ({
  kind: 'upsert' as const,
  orgId: 'bench',
  chunk,
  embedding,
}));
const heapBefore = process.memoryUsage().heapUsed;
const knowledge = new KnowledgeBase({ dimension: embedder.dimension, bm25, fusion });
const started = performance.now();
knowledge.apply(changes);
knowledge.org('bench')!.flush();
const buildSeconds = seconds(started);
const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
interface SpeedRow {
  what: string;
  queries: number;
  perSec: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time of this process per query: the cost whatever else the machine runs. */
  cpuMsPerQuery: number;
}
const speed: SpeedRow[] = [];
const timedQuestions = Array.from({ length: latencyQueries }, (_, i) => set.test[i % set.test.length]!);
async function timeCalls(what: string, calls: readonly FaqQuestion[], run: (q: FaqQuestion) => unknown) {
  for (const q of calls.slice(0, 100)) await run(q);
  const times: number[] = [];
  const cpu = process.cpuUsage();
  const all = performance.now();
  for (const q of calls) {
    const t = performance.now();
    await run(q);
    times.push(performance.now() - t);
  }
  const total = seconds(all);
  const used = process.cpuUsage(cpu);
  times.sort((a, b) => a - b);
  speed.push({
    what,
    queries: times.length,
    perSec: times.length / total,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
    cpuMsPerQuery: (used.user + used.system) / 1000 / times.length,
  });
}
const searchOf = (base: KnowledgeBase, mode: RetrievalMode) => (q: FaqQuestion) =>
  base.search('bench', { text: q.text, embedding: vectorOf.get(q)!, k: K_SERVE, language: 'en', mode });
for (const mode of MODES) {
  await timeCalls(`${MODE_NAME[mode]}, question's embedding given`, timedQuestions, searchOf(knowledge, mode));
}
{
  const retriever = new HybridRetriever(knowledge, embedder);
  const sample = timedQuestions.slice(0, Math.min(500, timedQuestions.length));
  await timeCalls('hybrid (RRF), question embedded in the call', sample, (q) =>
    retriever.search({ orgId: 'bench', query: q.text, k: K_SERVE, language: 'en' }),
  );
}
await embedder.close();

// Output.
const pct = (x: number) => round(x, 3);
console.log(`\nload average at the end ${load()}`);
console.log(
  '\nEmbeddings (e5-small-v2 int8, ONNX Runtime on the CPU, ' + `${config.retrieval.embeddingThreads} thread):`,
);
console.log(
  markdownTable(
    ['texts', 'per run', 'count', 'texts/s', 'tokens/s'],
    embedRates.map((r) => [r.kind, r.batch, r.texts, round(r.perSec, 1), round(r.tokensPerSec)]),
  ),
);
if (tuning.length > 0) {
  console.log('\nTuned on the dev questions:');
  for (const t of tuning)
    console.log(`  ${t.step}: ${t.params} (dev MRR ${pct(t.dev.mrr)}, recall@5 ${pct(t.dev.recallAt5)})`);
}
console.log(`\nQuality, document level (k = ${K_EVAL}, MRR@${K_EVAL}):`);
console.log(
  markdownTable(
    ['retrieval', 'parameters', 'questions', 'recall@1', 'recall@5', 'MRR'],
    quality.map((q) => [
      MODE_NAME[q.mode],
      q.params,
      `${q.part} (${q.metrics.questions})`,
      pct(q.metrics.recallAt1),
      pct(q.metrics.recallAt5),
      pct(q.metrics.mrr),
    ]),
  ),
);
console.log(
  `\nABCD guidelines: ${abcd.articles.length} articles (one per subflow), ${abcd.questions.length} questions written ` +
    'for them, parameters as above:',
);
console.log(
  markdownTable(
    ['retrieval', 'parameters', 'recall@1', 'recall@5', 'MRR'],
    abcdQuality.map((q) => [
      MODE_NAME[q.mode],
      q.params,
      pct(q.metrics.recallAt1),
      pct(q.metrics.recallAt5),
      pct(q.metrics.mrr),
    ]),
  ),
);
console.log(
  `\nAn org of ${passageCount} passages (${Math.ceil(passageCount / 2)} documents): built in ${round(buildSeconds, 2)} s, ` +
    `about ${round(heapMb)} MB of heap; k = ${K_SERVE}, language en, one query at a time:`,
);
console.log(
  markdownTable(
    ['search', 'queries', 'queries/s', 'p50 ms', 'p99 ms', 'CPU ms/query'],
    speed.map((s) => [
      s.what,
      s.queries,
      round(s.perSec),
      round(s.p50Ms, 2),
      round(s.p99Ms, 2),
      round(s.cpuMsPerQuery, 2),
    ]),
  ),
);
const tuned = quality.filter(
  (q) => q.part === 'test' && q.params === (tuning.length > 0 ? 'tuned on dev' : 'defaults'),
);
const hybridTest = tuned.find((q) => q.mode === 'hybrid')!.metrics;
const hybridSpeed = speed.find((s) => s.what === "hybrid (RRF), question's embedding given")!;
const targets = {
  hybridRecallAt5: { target: 0.95, measured: hybridTest.recallAt5, met: hybridTest.recallAt5 >= 0.95 },
  hybridMrr: { target: 0.85, measured: hybridTest.mrr, met: hybridTest.mrr >= 0.85 },
  p99Ms: { target: 10, measured: hybridSpeed.p99Ms, met: hybridSpeed.p99Ms <= 10 },
};
console.log(
  `\nTargets on the test questions: hybrid recall@5 ≥ 0.95: ${targets.hybridRecallAt5.met ? 'met' : 'NOT met'}, ` +
    `MRR ≥ 0.85: ${targets.hybridMrr.met ? 'met' : 'NOT met'}; p99 ≤ 10 ms at ${passageCount} passages (embedding given): ` +
    `${targets.p99Ms.met ? 'met' : 'NOT met'}`,
);
if (values.json) {
  writeFileSync(
    values.json,
    `${JSON.stringify(
      {
        machine: { cores: availableParallelism(), loadAverageEnd: loadavg() },
        set: {
          articles: set.articles.length,
          dev: set.dev.length,
          test: set.test.length,
          examplesPerArticle: examples,
        },
        embeddings: embedRates,
        tuning,
        parameters: { bm25, fusion },
        quality,
        abcd: { articles: abcd.articles.length, questions: abcd.questions.length, quality: abcdQuality },
        org: { passages: passageCount, buildSeconds, heapMb },
        speed,
        targets,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`results written to ${values.json}`);
}
