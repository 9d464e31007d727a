/**
 * The spine's figures in one run and one table, so they compare as ratios on a shared, noisy machine: Kafka's
 * own ceiling (its perf tools), HTTP ingest into Kafka, and a chain of pass-through stages. Needs a running,
 * provisioned stack.
 *
 *   npx tsx loadtest/spine.ts [--stages 5] [--burst 20000] [--rate 500] [--seconds 10] [--raw-records 200000]
 */
import { parseArgs } from 'node:util';
import { runIngestBenchmark, summarize } from './ingest-http.js';
import { runRawKafkaBenchmark } from './kafka-raw.js';
import { runPassthroughChain } from './passthrough-chain.js';
import { markdownTable, round } from './stats.js';

const { values } = parseArgs({
  options: {
    stages: { type: 'string', default: '5' },
    burst: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '10' },
    'raw-records': { type: 'string', default: '200000' },
    concurrency: { type: 'string', default: '50' },
  },
});
const seconds = Number(values.seconds);

console.log('1/3 Kafka perf tools');
const [raw] = await runRawKafkaBenchmark({
  records: Number(values['raw-records']),
  recordSize: 1024,
  partitions: [12],
});
console.log('2/3 HTTP ingest');
const ingest = (await runIngestBenchmark({ concurrency: Number(values.concurrency), seconds, batch: 50 })).map(
  summarize,
);
console.log('3/3 pass-through chain');
const chain = await runPassthroughChain({
  stages: Number(values.stages),
  burst: Number(values.burst),
  rate: Number(values.rate),
  seconds,
});

const ceiling = raw!.producer.recordsPerSec;
const rows: (string | number)[][] = [
  [
    `Kafka producer perf tool, 12 partitions, 1 KiB, acks=all`,
    round(ceiling),
    '1.000',
    round(raw!.producer.avgLatencyMs, 1) + ' (avg)',
    round(raw!.producer.p99LatencyMs),
  ],
  ...ingest.map((i) => [
    `HTTP ingest → Kafka: ${i.name}`,
    round(i.eventsPerSec),
    round(i.eventsPerSec / ceiling, 3),
    round(i.p50Ms, 1),
    round(i.p99Ms, 1),
  ]),
  [
    `${chain.stages} pass-through stages, burst of ${chain.burst.events}`,
    round(chain.burst.eventsPerSec),
    round(chain.burst.eventsPerSec / ceiling, 3),
    round(chain.burst.p50Ms),
    round(chain.burst.p99Ms),
  ],
  [
    `${chain.stages} pass-through stages, ${chain.steady.rate} events/s offered (achieved)`,
    round(chain.steady.achievedPerSec),
    round(chain.steady.achievedPerSec / ceiling, 3),
    round(chain.steady.p50Ms),
    round(chain.steady.p99Ms),
  ],
];
console.log(
  `\n${markdownTable(['measurement', 'events/s', 'vs Kafka ceiling', 'p50 ms', 'p99 ms'], rows)}\n\n` +
    'Ingest latency is per HTTP request (acknowledged by Kafka); chain latency runs from producing to the first ' +
    'topic until the last stage’s output is read.',
);
