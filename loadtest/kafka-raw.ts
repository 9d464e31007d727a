/**
 * The broker's own ceiling on this machine, measured with Kafka's Java perf tools so that later benchmarks of
 * our Node pipeline have a baseline to compare with. Needs a running stack.
 *
 *   npx tsx loadtest/kafka-raw.ts [--records 500000] [--partitions 1,12] [--record-size 1024]
 *   (or KAFKA_BENCH_RECORDS, KAFKA_BENCH_PARTITIONS, KAFKA_BENCH_RECORD_SIZE)
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig, type Config } from '../config/index.js';
import { findJavaHome } from '../ops/stack/java.js';
import { kafkaToolsLibsDir } from '../ops/stack/services/kafka.js';

export interface RawKafkaOptions {
  records: number;
  recordSize: number;
  partitions: number[];
  /** Progress lines; the default prints them. */
  log?: (line: string) => void;
}

export interface RawKafkaResult {
  partitions: number;
  records: number;
  recordSize: number;
  /** Steady state: the first tenth of the records warms the JIT and the connection and is left out. */
  producer: { recordsPerSec: number; mbPerSec: number; avgLatencyMs: number; p99LatencyMs: number };
  /** Fetch phase only: the group join before the first record is left out. */
  consumer: { recordsPerSec: number; mbPerSec: number; groupJoinMs: number };
}

/** Both tools are plain clients; capped so they do not take a quarter of the machine's memory each. */
const TOOL_HEAP = '-Xmx512m';
const CONSUMER_IDLE_TIMEOUT_MS = 30_000;

interface Tools {
  java: string;
  classpath: string;
}

function findTools(config: Config): Tools {
  const libs = kafkaToolsLibsDir(config.stack.stateDir);
  if (!existsSync(libs)) throw new Error(`${libs} is missing: start the stack first (it installs Kafka's tools)`);
  return { java: path.join(findJavaHome(17), 'bin', 'java'), classpath: path.join(libs, '*') };
}

function runTool(tools: Tools, mainClass: string, args: string[], onLine: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(tools.java, [TOOL_HEAP, '-cp', tools.classpath, mainClass, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let pending = '';
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onLine(line);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => {
      if (pending.trim()) onLine(pending);
      if (code === 0) resolve(output);
      else reject(new Error(`${mainClass} exited with ${code}\n${output.slice(-2000)}`));
    });
  });
}

function flags(values: Record<string, string | number>): string[] {
  return Object.entries(values).flatMap(([name, value]) => [`--${name}`, String(value)]);
}

/** `N records sent, …` for the whole run, then `N steady state records sent, …` when there was a warm-up. */
const PRODUCER_SUMMARY =
  /^\d+ (steady state )?records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, [\d.]+ ms max latency, \d+ ms 50th, \d+ ms 95th, (\d+) ms 99th/gm;

export function parseProducerOutput(output: string): RawKafkaResult['producer'] {
  const summaries = [...output.matchAll(PRODUCER_SUMMARY)];
  const match = summaries.find((m) => m[1]) ?? summaries[0];
  if (!match) throw new Error(`no summary in ProducerPerformance output:\n${output.slice(-2000)}`);
  return {
    recordsPerSec: Number(match[2]),
    mbPerSec: Number(match[3]),
    avgLatencyMs: Number(match[4]),
    p99LatencyMs: Number(match[5]),
  };
}

/** ConsumerPerformance prints a CSV header and one row; columns are read by name. */
export function parseConsumerOutput(output: string, expectedRecords: number): RawKafkaResult['consumer'] {
  const lines = output.split('\n').map((l) => l.trim());
  const headerAt = lines.findIndex((l) => l.startsWith('start.time,'));
  const header = lines[headerAt]?.split(',').map((c) => c.trim());
  const row = lines[headerAt + 1]?.split(',').map((c) => c.trim());
  if (headerAt < 0 || !header || !row || row.length !== header.length) {
    throw new Error(`no summary in ConsumerPerformance output:\n${output.slice(-2000)}`);
  }
  const column = (name: string) => Number(row[header.indexOf(name)]);
  const consumed = column('data.consumed.in.nMsg');
  if (consumed < expectedRecords) throw new Error(`consumer read ${consumed} of ${expectedRecords} records`);
  return {
    recordsPerSec: column('fetch.nMsg.sec'),
    mbPerSec: column('fetch.MB.sec'),
    groupJoinMs: column('rebalance.time.ms'),
  };
}

async function measure(
  partitions: number,
  options: RawKafkaOptions,
  config: Config,
  tools: Tools,
  log: (line: string) => void,
): Promise<RawKafkaResult> {
  const admin = new Kafka({ clientId: 'bench-raw', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING }).admin();
  const topic = `bench.raw.p${partitions}.${randomUUID().slice(0, 8)}`;
  const bootstrap = config.kafka.brokers.join(',');
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    log(`[${partitions}p] producing ${options.records} records of ${options.recordSize} B to ${topic}`);
    const produced = await runTool(
      tools,
      'org.apache.kafka.tools.ProducerPerformance',
      flags({
        'bootstrap-server': bootstrap,
        topic,
        'num-records': options.records,
        'warmup-records': Math.floor(options.records / 10),
        'record-size': options.recordSize,
        throughput: -1,
        'reporting-interval': 5000,
      }),
      (line) => log(`[${partitions}p] producer | ${line}`),
    );
    log(`[${partitions}p] consuming ${options.records} records`);
    const consumed = await runTool(
      tools,
      'org.apache.kafka.tools.ConsumerPerformance',
      flags({
        'bootstrap-server': bootstrap,
        topic,
        group: `bench-raw-${randomUUID().slice(0, 8)}`,
        'num-records': options.records,
        timeout: CONSUMER_IDLE_TIMEOUT_MS,
      }),
      (line) => log(`[${partitions}p] consumer | ${line}`),
    );
    return {
      partitions,
      records: options.records,
      recordSize: options.recordSize,
      producer: parseProducerOutput(produced),
      consumer: parseConsumerOutput(consumed, options.records),
    };
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

/** Runs one producer pass and one consumer pass per partition count, on fresh topics deleted afterwards. */
export async function runRawKafkaBenchmark(
  options: RawKafkaOptions,
  config: Config = loadConfig(),
): Promise<RawKafkaResult[]> {
  const log = options.log ?? ((line: string) => console.log(line));
  const tools = findTools(config);
  const results: RawKafkaResult[] = [];
  for (const partitions of options.partitions) results.push(await measure(partitions, options, config, tools, log));
  return results;
}

export function formatRawKafkaTable(results: RawKafkaResult[]): string {
  const fixed = (n: number, digits: number) => n.toFixed(digits);
  const rows = results.map((r) =>
    [
      r.partitions,
      Math.round(r.producer.recordsPerSec),
      fixed(r.producer.mbPerSec, 1),
      fixed(r.producer.avgLatencyMs, 1),
      r.producer.p99LatencyMs,
      Math.round(r.consumer.recordsPerSec),
      fixed(r.consumer.mbPerSec, 1),
    ].join(' | '),
  );
  return [
    '| partitions | producer records/s | producer MB/s | avg latency ms | p99 latency ms | consumer records/s | consumer MB/s |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

function optionsFromCommandLine(): RawKafkaOptions {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: process.env.KAFKA_BENCH_RECORDS ?? '500000' },
      partitions: { type: 'string', default: process.env.KAFKA_BENCH_PARTITIONS ?? '1,12' },
      'record-size': { type: 'string', default: process.env.KAFKA_BENCH_RECORD_SIZE ?? '1024' },
    },
  });
  const positive = (name: string, raw: string) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0)
      throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
    return n;
  };
  return {
    records: positive('records', values.records),
    recordSize: positive('record-size', values['record-size']),
    partitions: values.partitions.split(',').map((p) => positive('partitions', p.trim())),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const options = optionsFromCommandLine();
  const results = await runRawKafkaBenchmark(options);
  console.log(
    `\nKafka perf tools, ${options.records} records of ${options.recordSize} B, acks=all, ` +
      'producer steady state (first 10% warm-up excluded), consumer fetch phase (group join excluded):\n',
  );
  console.log(formatRawKafkaTable(results));
}
