/**
 * Intent classification throughput on one thread: the classify stage scales out by partitions, so the
 * number that matters for capacity planning is texts per second per core.
 *
 *   npx tsx loadtest/classify-throughput.ts [--texts 50000] [--warmup 2000] [--data <banking77 train.csv>]
 *   (pin it with `taskset -c 0` for a strict one-core figure)
 *
 * Texts are BANKING77's own (cycled), or a few built-in sentences when the dataset is not beside the repo.
 * Classification only: priority rules and JSON encoding are excluded.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_BANKING77, readBanking77 } from '../processors/classify/datasets.js';
import { IntentModel } from '../processors/classify/model.js';

const FALLBACK_TEXTS = [
  'I lost my card yesterday and I need a new one',
  'What is the exchange rate for euros today?',
  'My transfer has not arrived yet, it has been three days',
  'Why was I charged a fee for withdrawing cash?',
  'The ATM kept my card, what should I do now',
  'Can I top up with a bank transfer?',
];

const { values: args } = parseArgs({
  options: {
    texts: { type: 'string', default: '50000' },
    warmup: { type: 'string', default: '2000' },
    data: { type: 'string', default: DEFAULT_BANKING77 },
  },
});
const n = Number(args.texts);
const warmup = Number(args.warmup);

const loadStart = performance.now();
const model = IntentModel.load();
const loadMs = performance.now() - loadStart;
const corpus = existsSync(args.data) ? readBanking77(args.data).map((e) => e.text) : FALLBACK_TEXTS;
const textAt = (i: number) => corpus[i % corpus.length] as string;

// The JIT compiles the hot loops during warm-up; measuring them interpreted would understate steady state.
for (let i = 0; i < warmup; i++) model.classify(textAt(i));

const micros = new Float64Array(n);
const start = process.hrtime.bigint();
let previous = start;
for (let i = 0; i < n; i++) {
  model.classify(textAt(warmup + i));
  const now = process.hrtime.bigint();
  micros[i] = Number(now - previous) / 1000;
  previous = now;
}
const seconds = Number(previous - start) / 1e9;
micros.sort();
const q = (p: number) => (micros[Math.min(n - 1, Math.floor(p * n))] as number).toFixed(1);
const chars = corpus.reduce((s, t) => s + t.length, 0) / corpus.length;

console.log(`model ${model.modelVersion}, loaded in ${loadMs.toFixed(0)} ms; mean text ${chars.toFixed(0)} chars`);
console.log('');
console.log('| texts | seconds | texts/s | p50 µs | p99 µs |');
console.log('|---:|---:|---:|---:|---:|');
console.log(`| ${n} | ${seconds.toFixed(2)} | ${Math.round(n / seconds)} | ${q(0.5)} | ${q(0.99)} |`);
