/**
 * `npm run bench:scaling`: what 1, 2 and 4 instances of the pipeline's slowest processor give on this machine.
 * Each count is one bench:chain run (loadtest/full-chain.ts) in the per-group shape with that many instances of
 * the processor, the same seeded burst, and CPU seconds of every process. The slowest processor, unless named,
 * is the one that spent the most CPU in the first run (one instance of everything), where the time goes.
 *
 *   npm run bench:scaling -- [--processor P] [--counts 1,2,4] [--burst 5000] [--json FILE]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../config/index.js';
import { PROCESSORS } from './chain/processes.js';
import { markdownTable, round } from './stats.js';

const { values } = parseArgs({
  options: {
    processor: { type: 'string' },
    counts: { type: 'string', default: '1,2,4' },
    burst: { type: 'string', default: '5000' },
    json: { type: 'string' },
  },
});
const counts = values.counts.split(',').map(Number);
if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 12)) {
  console.error('bench:scaling: --counts lists instance counts from 1 to 12, e.g. 1,2,4');
  process.exit(2);
}
if (values.processor && !PROCESSORS.includes(values.processor)) {
  console.error(`bench:scaling: --processor must be one of ${PROCESSORS.join(', ')}`);
  process.exit(2);
}

interface ChainJson {
  kafkaCeiling: { recordsPerSec: number } | null;
  pipeline: { burst: { perSec: number; p50Ms: number; p99Ms: number; lost: number; duplicated: number } };
  processes: Array<{ name: string; cpuSeconds: number; peakRssMb: number }>;
}

const dir = mkdtempSync(path.join(tmpdir(), 'tf-scaling-'));
function chainRun(args: string[], label: string): ChainJson {
  const file = path.join(dir, `${label}.json`);
  console.log(`\n== ${label}: bench:chain ${args.join(' ')}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'loadtest/full-chain.ts', ...args, '--json', file], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  if (run.status !== 0) throw new Error(`bench:chain (${label}) exited with ${run.status}`);
  return JSON.parse(readFileSync(file, 'utf8')) as ChainJson;
}

const common = [
  '--burst',
  values.burst,
  '--rate',
  '50',
  '--seconds',
  '5',
  '--warmup',
  '200',
  '--passthrough-burst',
  '0',
];
const processorCpu = (result: ChainJson, processor: string) =>
  result.processes
    .filter((p) => p.name === processor || p.name.startsWith(`${processor}-`))
    .reduce((sum, p) => sum + p.cpuSeconds, 0);

const rows: Array<{ instances: number; result: ChainJson; load: number }> = [];
let processor = values.processor;
for (const [i, count] of counts.entries()) {
  // Kafka's ceiling once, in the first run, as the yardstick of the others.
  const raw = i === 0 ? ['--raw-records', '100000'] : ['--raw-records', '0'];
  const instances = processor && count > 1 ? ['--instances', `${processor}=${count}`] : [];
  const result = chainRun([...common, ...raw, ...instances], `${count}-instance${count > 1 ? 's' : ''}`);
  if (!processor) {
    processor = PROCESSORS.reduce((a, b) => (processorCpu(result, b) > processorCpu(result, a) ? b : a));
    console.log(`slowest processor by CPU: ${processor}`);
  }
  rows.push({ instances: count, result, load: loadavg()[0]! });
}

const fixed = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
const ceiling = rows[0]!.result.kafkaCeiling?.recordsPerSec ?? null;
const table = rows.map(({ instances, result, load }) => {
  const burst = result.pipeline.burst;
  const total = result.processes.reduce((sum, p) => sum + p.cpuSeconds, 0);
  return {
    instances,
    perSec: fixed(burst.perSec, 1),
    ofKafka: ceiling ? fixed(burst.perSec / ceiling, 4) : null,
    p50Ms: Math.round(burst.p50Ms),
    p99Ms: Math.round(burst.p99Ms),
    processorCpuSeconds: fixed(processorCpu(result, processor!), 1),
    allCpuSeconds: fixed(total, 1),
    lost: burst.lost,
    duplicated: burst.duplicated,
    load1m: fixed(load, 1),
  };
});
console.log(`\n${processor}: 1, 2 and 4 instances, burst of ${values.burst} (${availableParallelism()} cores)`);
console.log(`Kafka's ceiling in the first run: ${ceiling ?? '-'} records/s\n`);
console.log(
  markdownTable(
    [
      'instances',
      'interactions/s (all stores)',
      'of Kafka',
      'p50 ms',
      'p99 ms',
      `${processor} CPU s`,
      'all CPU s',
      'lost',
      'dup',
      'load 1m',
    ],
    table.map((r) => [
      r.instances,
      round(r.perSec, 1),
      r.ofKafka ?? '-',
      r.p50Ms,
      r.p99Ms,
      r.processorCpuSeconds,
      r.allCpuSeconds,
      r.lost,
      r.duplicated,
      r.load1m,
    ]),
  ),
);
if (values.json)
  writeFileSync(values.json, `${JSON.stringify({ processor, kafkaCeiling: ceiling, runs: table }, null, 2)}\n`);
