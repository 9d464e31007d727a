/**
 * Helpers for the operator commands' integration tests: run the real `ticketflow` launcher as a user would,
 * run Kafka's own command-line tools for comparison, and make throwaway topics with records at known offsets.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { loadConfig, repoRoot } from '../../config/index.js';
import { findJavaHome } from '../stack/java.js';
import { kafkaToolsLibsDir } from '../stack/services/kafka.js';
import { main } from './main.js';
import { createTopicsWithLeaders } from '../../processors/testing/topics.js';

export const config = loadConfig();
export const kafka = new Kafka({
  clientId: 'ticketflow-cli-test',
  brokers: config.kafka.brokers,
  logLevel: logLevel.NOTHING,
});

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function collect(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `ticketflow <args>` through bin/ticketflow.js, with the test's environment. */
export function ticketflow(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return collect(process.execPath, [path.join(repoRoot, 'bin', 'ticketflow.js'), ...args], { ...process.env, ...env });
}

/**
 * The same command run inside the test process (ops/cli/main.ts with captured output): the code and exit code
 * of the real command without a process start, for the many short calls of refusal tests. `stdin`: what the
 * command reads from its standard input.
 */
export async function ticketflowHere(args: string[], stdin?: string): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    ...(stdin !== undefined ? { stdin: Readable.from([stdin]) } : {}),
    stdout: { write: (chunk: string | Uint8Array) => ((stdout += String(chunk)), true) },
    stderr: { write: (chunk: string | Uint8Array) => ((stderr += String(chunk)), true) },
  });
  return { code, stdout, stderr };
}

/** Kafka's `kafka-consumer-groups.sh`, run from the stack's copy of Kafka's tools. */
export async function kafkaConsumerGroups(args: string[]): Promise<string> {
  const java = path.join(findJavaHome(17), 'bin', 'java');
  const classpath = path.join(kafkaToolsLibsDir(config.stack.stateDir), '*');
  const result = await collect(java, [
    '-Xmx256m',
    '-cp',
    classpath,
    'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
    '--bootstrap-server',
    config.kafka.brokers.join(','),
    ...args,
  ]);
  if (result.code !== 0) throw new Error(`kafka-consumer-groups exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

export const uniqueName = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

export interface RecordOptions {
  headers?: (partition: number, i: number) => IHeaders;
  /** Record timestamps (CreateTime), in ms. */
  timestamp?: (partition: number, i: number) => number;
  value?: (partition: number, i: number) => Buffer | string;
}

/** Creates a topic and writes `counts[p]` records to each partition p; values are `p:i` unless given. */
export async function topicWithRecords(
  topic: string,
  counts: readonly number[],
  options: RecordOptions = {},
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopicsWithLeaders(admin, [topic], counts.length);
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const [partition, count] of counts.entries()) {
      if (count === 0) continue;
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: count }, (_, i) => ({
          partition,
          key: `k${i}`,
          value: options.value?.(partition, i) ?? `${partition}:${i}`,
          headers: options.headers?.(partition, i),
          ...(options.timestamp ? { timestamp: String(options.timestamp(partition, i)) } : {}),
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Deletes topics and groups a test made, ignoring those already gone. */
export async function cleanUp(topics: string[], groups: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

/** The group's committed offset per partition of `topic`, -1 for none. */
export async function committed(group: string, topic: string): Promise<number[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return (offsets?.partitions ?? []).sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
  } finally {
    await admin.disconnect();
  }
}
