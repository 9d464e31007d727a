/**
 * `npm run bench:drafts`: the respond stage's generators, measured in-process.
 *
 * Requests are built from the demo knowledge base (connectors/kb-import/demo): a customer question and, as its
 * retrieved passages, the sections of the article that answers it (best first) plus one section of another.
 *
 * 1. Each tier alone, drafts one after another: the extractive generator, then the local model (Gemma 3 270M
 *    through node-llama-cpp): drafts/s, p50/p99 latency, and how the local model's answers fared with the guard.
 * 2. The chain local,extractive under load: `--workers` drafts kept in flight for `--seconds`, against the
 *    extractive generator alone under the same load. The local tier takes what its concurrency limit allows and
 *    passes the rest to the extractive tier at once: drafts degrade (more extractive) but throughput holds.
 *
 *   npm run bench:drafts -- [--extractive-drafts 3000] [--llm-drafts 6] [--workers 16] [--seconds 20] [--json FILE]
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, repoRoot } from '../config/index.js';
import type { Draft, Passage } from '../schemas/index.js';
import { sampleEvents } from '../schemas/fixtures.js';
import { fallbackChain } from '../processors/respond/chain.js';
import { extractiveGenerator } from '../processors/respond/extractive.js';
import type { DraftGenerator, DraftRequest } from '../processors/respond/generator.js';
import { LocalModel } from '../processors/respond/llm/local-model.js';
import { ModelTier } from '../processors/respond/model-tier.js';
import { markdownTable, percentile, round } from './stats.js';

const { values } = parseArgs({
  options: {
    'extractive-drafts': { type: 'string', default: '3000' },
    'llm-drafts': { type: 'string', default: '6' },
    workers: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '20' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(
    'usage: npm run bench:drafts -- [--extractive-drafts 3000] [--llm-drafts 6] [--workers 16] [--seconds 20] [--json FILE]',
  );
  process.exit(0);
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
console.log(`load average ${load()} on ${availableParallelism()} cores`);

const KB = path.join(repoRoot, 'connectors/kb-import/demo');

/** An article's `## ` sections as passages, the way the chunk stage cuts them (one section, one passage). */
function sectionsOf(file: string): Passage[] {
  const text = readFileSync(path.join(KB, file), 'utf8').replace(/^---[\s\S]*?---\n/, '');
  const title = /^# (.+)$/m.exec(text)?.[1] ?? file;
  const documentId = path.basename(file, '.md');
  return text
    .split(/^## /m)
    .slice(1)
    .map((section, i) => {
      const [heading, ...body] = section.split('\n');
      return {
        chunkId: `${documentId}#${i}`,
        documentId,
        documentVersion: 1,
        title,
        text: `${heading}\n\n${body.join('\n').trim()}`,
        sourceUri: null,
        score: 9 - i,
        rank: i + 1,
      };
    });
}

const QUESTIONS: Array<{ language: string; question: string; article: string; section: number; other: string }> = [
  {
    language: 'en',
    question: 'I lost my card, what should I do?',
    article: 'lost-or-stolen-card.md',
    section: 0,
    other: 'payment-failed.md',
  },
  {
    language: 'en',
    question: 'When will I get the money back for my return?',
    article: 'returns-and-refunds.md',
    section: 1,
    other: 'shipping-times.md',
  },
  {
    language: 'en',
    question: 'How long does delivery take?',
    article: 'shipping-times.md',
    section: 0,
    other: 'returns-and-refunds.md',
  },
  {
    language: 'en',
    question: 'I forgot my password and cannot log in.',
    article: 'password-reset.md',
    section: 0,
    other: 'contact-hours.md',
  },
  {
    language: 'en',
    question: 'Why was my card payment declined?',
    article: 'payment-failed.md',
    section: 0,
    other: 'lost-or-stolen-card.md',
  },
  {
    language: 'es',
    question: '¿Cuándo me devuelven el dinero de mi devolución?',
    article: 'es/devoluciones-y-reembolsos.md',
    section: 1,
    other: 'shipping-times.md',
  },
];

const grounded = sampleEvents.InteractionGrounded;
const requests: DraftRequest[] = QUESTIONS.map((q) => {
  const own = sectionsOf(q.article);
  const best = own[q.section]!;
  const rest = own.filter((p) => p !== best);
  return {
    orgId: 'bench',
    question: q.question,
    language: q.language,
    classification: grounded.classification,
    sentiment: grounded.enrichment.sentiment,
    customer: grounded.enrichment.customer,
    passages: [best, ...rest.slice(0, 1), sectionsOf(q.other)[0]!].map((p, i) => ({
      ...p,
      score: 12 - 3 * i,
      rank: i + 1,
    })),
    retrievalMethod: 'LEXICAL',
  };
});
if (!readdirSync(path.join(KB, 'es')).length) throw new Error('the demo knowledge base has no Spanish article');

interface Row {
  run: string;
  drafts: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  byTier: Record<string, number>;
  outcomes: Record<string, number>;
}

function tally(drafts: readonly Draft[], latencies: number[], run: string, seconds: number): Row {
  latencies.sort((a, b) => a - b);
  const byTier: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  for (const d of drafts) {
    const tier = d.attempts.at(-1)?.tier ?? d.generator.kind;
    byTier[tier] = (byTier[tier] ?? 0) + 1;
    for (const a of d.attempts) outcomes[`${a.tier}:${a.outcome}`] = (outcomes[`${a.tier}:${a.outcome}`] ?? 0) + 1;
  }
  return {
    run,
    drafts: drafts.length,
    seconds,
    perSecond: drafts.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    byTier,
    outcomes,
  };
}

async function oneByOne(run: string, generator: DraftGenerator, count: number): Promise<Row> {
  const drafts: Draft[] = [];
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    drafts.push(await generator.draft(requests[i % requests.length]!));
    latencies.push(performance.now() - t);
  }
  return tally(drafts, latencies, run, (performance.now() - started) / 1000);
}

/**
 * `workers` drafts always in flight for `seconds`: the load a respond stage with that concurrency puts on it.
 * Counted over the window only: a model draft still running at its end is left out, not waited for.
 */
async function underLoad(run: string, generator: DraftGenerator, workers: number, seconds: number): Promise<Row> {
  const drafts: Draft[] = [];
  const latencies: number[] = [];
  const started = performance.now();
  const until = started + seconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        const draft = await generator.draft(requests[next++ % requests.length]!);
        if (performance.now() > until) break;
        drafts.push(draft);
        latencies.push(performance.now() - t);
        // The extractive generator answers synchronously: yield, so the model's callbacks get their turn.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
  return tally(drafts, latencies, run, seconds);
}

const config = loadConfig().respond.local;
const extractive = extractiveGenerator();
const model = new LocalModel({ ...config, sequences: 1 });
const localTier = new ModelTier('local', model, { timeoutMs: 120_000, concurrency: 1 });
if (!(await localTier.checkHealth())) throw new Error(`the local model did not load: ${localTier.breaker.describe()}`);
const workers = Number(values.workers);
const seconds = Number(values.seconds);

const rows: Row[] = [];
const report = (row: Row) => {
  rows.push(row);
  console.log(
    `${row.run}: ${row.drafts} drafts in ${round(row.seconds, 1)} s, ${round(row.perSecond, row.perSecond < 1 ? 3 : 1)}/s, ` +
      `p50 ${round(row.p50Ms, 2)} ms, p99 ${round(row.p99Ms, 2)} ms; by tier ${JSON.stringify(row.byTier)}; ` +
      `attempts ${JSON.stringify(row.outcomes)}`,
  );
};

report(
  await oneByOne('extractive alone, one at a time', fallbackChain([], extractive), Number(values['extractive-drafts'])),
);
report(
  await oneByOne(
    'local model alone, one at a time',
    fallbackChain([localTier], extractive),
    Number(values['llm-drafts']),
  ),
);
report(await underLoad(`extractive alone, ${workers} in flight`, fallbackChain([], extractive), workers, seconds));
report(
  await underLoad(
    `chain local,extractive, ${workers} in flight`,
    fallbackChain([localTier], extractive),
    workers,
    seconds,
  ),
);
await model.close();

console.log(`\nload average ${load()} on ${availableParallelism()} cores\n`);
console.log(
  markdownTable(
    ['run', 'drafts', 'drafts/s', 'p50 ms', 'p99 ms', 'written by', 'model attempts'],
    rows.map((r) => [
      r.run,
      r.drafts,
      round(r.perSecond, r.perSecond < 1 ? 3 : 1),
      round(r.p50Ms, 2),
      round(r.p99Ms, 2),
      Object.entries(r.byTier)
        .map(([tier, n]) => `${tier} ${n}`)
        .join(', '),
      Object.entries(r.outcomes)
        .filter(([k]) => !k.startsWith('extractive'))
        .map(([k, n]) => `${k.split(':')[1]} ${n}`)
        .join(', ') || '-',
    ]),
  ),
);
if (values.json) writeFileSync(values.json, `${JSON.stringify({ loadAverage: load(), rows }, null, 2)}\n`);
