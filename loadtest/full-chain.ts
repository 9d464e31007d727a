/**
 * The whole processing chain beside its baselines, in one run and one table, so the figures compare as ratios
 * on a shared, noisy machine: Kafka's own ceiling (its perf tools), the runtime's cost (pass-through stages),
 * the real chain from HTTP ingest to the routing decision, and the intent model alone on one core. Needs a
 * running, provisioned stack.
 *
 *   npx tsx loadtest/full-chain.ts [--rate 50] [--seconds 20] [--burst 1500] [--concurrency 64]
 *     [--warmup 50] [--passthrough-burst 10000] [--raw-records 100000] [--texts 50000]
 *
 * The pass-through chain runs at the same rate and for the same time as the real one; its burst is larger, since
 * it clears a burst the size of the real chain's in about as long as one event's latency. The default rate is
 * well under what the real chain sustains on the 2-core reference machine (about 120 interactions/s), so that
 * the fixed-rate row shows latency, not a growing queue.
 */
import { execFile } from 'node:child_process';
import { parseArgs, promisify } from 'node:util';
import { repoRoot } from '../config/index.js';
import { runRawKafkaBenchmark } from './kafka-raw.js';
import { runPassthroughChain } from './passthrough-chain.js';
import { runRealChain, type PhaseResult } from './real-chain.js';
import { markdownTable, round } from './stats.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '20' },
    burst: { type: 'string', default: '1500' },
    concurrency: { type: 'string', default: '64' },
    warmup: { type: 'string', default: '50' },
    'passthrough-burst': { type: 'string', default: '10000' },
    'raw-records': { type: 'string', default: '100000' },
    texts: { type: 'string', default: '50000' },
  },
});
const flag = (name: keyof typeof values) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${values[name]}`);
  return n;
};
const [rate, seconds, burst] = [flag('rate'), flag('seconds'), flag('burst')];
const step = (n: number, what: string) => (line: string) => console.log(`${n}/4 ${what}: ${line}`);

/** In its own process, so the model has a core to itself and this one's heap and JIT state do not count. */
async function classifyPerCore(texts: number) {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'loadtest/classify-throughput.ts', '--texts', String(texts)],
    { cwd: repoRoot },
  );
  // Its last line is the one row of its table: | texts | seconds | texts/s | p50 µs | p99 µs |
  const cells = stdout.trim().split('\n').at(-1)!.split('|').slice(1, -1).map(Number);
  if (cells.length !== 5 || cells.some((c) => !Number.isFinite(c))) throw new Error(`unexpected output:\n${stdout}`);
  return { textsPerSec: cells[2]!, p50Ms: cells[3]! / 1000, p99Ms: cells[4]! / 1000 };
}

console.log('1/4 Kafka perf tools');
const [raw] = await runRawKafkaBenchmark({
  records: flag('raw-records'),
  recordSize: 1024,
  partitions: [12],
  log: step(1, 'Kafka'),
});
console.log('2/4 pass-through chain');
const passthrough = await runPassthroughChain(
  { stages: 5, burst: flag('passthrough-burst'), rate, seconds },
  step(2, 'pass-through'),
);
console.log('3/4 real chain');
const real = await runRealChain({
  rate,
  seconds,
  burst,
  concurrency: flag('concurrency'),
  warmup: flag('warmup'),
  log: step(3, 'real chain'),
});
console.log('4/4 intent classification on one core');
const classify = await classifyPerCore(flag('texts'));

const ceiling = raw!.producer.recordsPerSec;
const row = (name: string, perSec: number, p50: string, p99: string) => [
  name,
  round(perSec),
  round(perSec / ceiling, 4),
  p50,
  p99,
];
const chain = 'HTTP ingest → enrich → classify → retrieve → respond → route';
const rows = [
  row(
    'Kafka producer perf tool, 12 partitions, 1 KiB, acks=all',
    ceiling,
    `${round(raw!.producer.avgLatencyMs, 1)} (avg)`,
    round(raw!.producer.p99LatencyMs),
  ),
  row(
    `5 pass-through stages, burst of ${passthrough.burst.events} events`,
    passthrough.burst.eventsPerSec,
    round(passthrough.burst.p50Ms),
    round(passthrough.burst.p99Ms),
  ),
  row(
    `5 pass-through stages at ${rate} events/s`,
    passthrough.steady.rate,
    round(passthrough.steady.p50Ms),
    round(passthrough.steady.p99Ms),
  ),
  row(
    `real chain, burst of ${burst} interactions`,
    real.burst.routedPerSec,
    round(real.burst.p50Ms),
    round(real.burst.p99Ms),
  ),
  row(
    `real chain at ${rate} interactions/s (achieved)`,
    real.steady.routedPerSec,
    round(real.steady.p50Ms),
    round(real.steady.p99Ms),
  ),
  row(
    'intent classification, one core (texts/s)',
    classify.textsPerSec,
    round(classify.p50Ms, 3),
    round(classify.p99Ms, 3),
  ),
];

const losses = (p: PhaseResult) =>
  [
    ...Object.entries(p.refused).map(([status, n]) => `${n} answered ${status}`),
    ...Object.entries(p.deadLettered).map(([stage, n]) => `${n} dead-lettered by ${stage}`),
  ].join(', ') || 'none lost';
const hops = (label: string, p: PhaseResult) =>
  `- ${label}: ${p.routed}/${p.posted} routed (${losses(p)}), ${round(p.citedShare * 100)}% of drafts cite the ` +
  `knowledge base; per hop p50/p99 ms, CPU ms per interaction: ` +
  p.hops
    .map((h) => {
      const where = h.handledBy === 'benchmark' ? round(h.cpuMsPerInteraction, 2) : `done by ${h.handledBy}`;
      return `${h.name} ${round(h.p50Ms)}/${round(h.p99Ms)}, ${where}`;
    })
    .join('; ');
const shared = Object.entries(real.otherMembers).filter(([, n]) => n > 0);

console.log(
  `\n${markdownTable(['measurement', 'per second', 'vs Kafka ceiling', 'p50 ms', 'p99 ms'], rows)}\n\n` +
    `Real chain: ${chain}, each stage its own process on the tf.* topics; latency runs from sending the POST ` +
    `to reading its RoutingDecided on the routed topic (org ${real.orgId}). Pass-through latency runs from ` +
    `producing to the first topic to reading the fifth stage's output.\n` +
    (shared.length > 0
      ? `Stage groups had other members (${shared.map(([s, n]) => `${s} +${n}`).join(', ')}; the stack's own ` +
        `apps run after \`stack up --apps\`): a hop another member held the org's partition for names it.\n`
      : '') +
    `${hops(`steady ${rate}/s`, real.steady)}\n${hops(`burst of ${burst}`, real.burst)}`,
);
