/**
 * `npm run bench:chain`: the whole pipeline beside its baselines, in one run and one table, so the figures
 * compare as ratios on a shared, noisy machine: Kafka's own ceiling (its perf tool), the runtime's cost (five
 * pass-through stages), and the pipeline from the HTTP POST until the ticket is visible in MongoDB,
 * Elasticsearch and Redis, with the CPU and memory of every process involved. Its defaults run issue #7's
 * targets (a burst of 20,000 interactions, a steady 300/s for 60 s) and say whether they hold. Needs a running,
 * provisioned stack; `--help` lists the options (loadtest/chain/options.ts).
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { loadConfig } from '../config/index.js';
import { OptionError, parseChainOptions, USAGE } from './chain/options.js';
import { BenchmarkFailure } from './chain/phase.js';
import { RefusedError, runPipelineBenchmark } from './chain/pipeline-run.js';
import { loadAverage } from './chain/proc-stats.js';
import { chainJson, chainTables } from './chain/report.js';
import { runRawKafkaBenchmark } from './kafka-raw.js';
import { runPassthroughChain } from './passthrough-chain.js';

if (process.argv.includes('--help')) {
  console.log(USAGE);
  process.exit(0);
}
let options;
try {
  options = parseChainOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof OptionError)) throw error;
  console.error(`bench:chain: ${error.message}\n\n${USAGE}`);
  process.exit(2);
}

const loadBefore = loadAverage();
const config = loadConfig();
const steps = 1 + (options.rawRecords > 0 ? 1 : 0) + (options.passthroughBurst > 0 ? 1 : 0);
let step = 0;
const started = Date.now();
const elapsed = () => `+${Math.round((Date.now() - started) / 1000)}s`;
const stepLog = (what: string) => {
  const n = ++step;
  console.log(`${elapsed()} ${n}/${steps} ${what}`);
  return (line: string) => console.log(`${elapsed()} ${n}/${steps} ${what}: ${line}`);
};

try {
  console.log(`load average before the run: ${loadBefore.join(' / ')} (${availableParallelism()} cores)`);
  const kafka =
    options.rawRecords > 0
      ? (
          await runRawKafkaBenchmark({
            records: options.rawRecords,
            recordSize: 1024,
            partitions: [12],
            log: stepLog('Kafka producer perf tool'),
          })
        )[0]!
      : null;
  const passthrough =
    options.passthroughBurst > 0
      ? await runPassthroughChain(
          {
            stages: 5,
            burst: options.passthroughBurst,
            rate: options.rate,
            seconds: options.passthroughSeconds,
            batch: options.passthroughHandler === 'batch',
          },
          stepLog('pass-through chain'),
        )
      : null;
  const pipeline = await runPipelineBenchmark(options, config, stepLog('pipeline'));
  const results = { options, cores: availableParallelism(), loadBefore, kafka, passthrough, pipeline };
  console.log(`\n${chainTables(results)}`);
  if (options.json) {
    writeFileSync(options.json, `${JSON.stringify(chainJson(results), null, 2)}\n`);
    console.log(`\nresults written to ${options.json}`);
  }
  process.exit(0);
} catch (error) {
  if (error instanceof RefusedError) {
    console.error(`bench:chain refused: ${error.message}`);
    process.exit(2);
  }
  // The benchmark's own failures say what happened; for anything else the stack says where.
  const known = error instanceof BenchmarkFailure;
  console.error(`bench:chain failed: ${known ? error.message : ((error as Error).stack ?? String(error))}`);
  process.exit(1);
}
