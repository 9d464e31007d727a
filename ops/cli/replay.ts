/**
 * `ticketflow replay <group>`: resets a consumer group's committed offsets, as Kafka's
 * `kafka-consumer-groups.sh --reset-offsets` does, so the group reprocesses (or skips) records. Kafka accepts
 * the change only while the group has no members: a live group is refused unless `--stop`, which stops the
 * group's supervised processes, resets, starts them again and follows them until they have caught up.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Kafka } from 'kafkajs';
import { loadConfig } from '../../config/index.js';
import { consumerGroupId } from '../../topics/naming.js';
import { ticketflow } from '../../topics/topology.js';
import { isConsumer } from '../../topics/model.js';
import { EXIT, line, parseOptions, UsageError, type Command, type Io } from './command.js';
import {
  commitGroupOffsets,
  committedOffsets,
  describeGroup,
  isLive,
  isUnknownGroup,
  topicOffsets,
  type GroupDescription,
} from './consumer-groups.js';
import { stackGroupProcesses, type GroupProcesses } from './group-processes.js';
import { operatorKafka, withAdmin } from './kafka.js';
import { cell, printJson, printTable } from './output.js';
import { Progress } from './progress.js';
import {
  parsePartitions,
  parseReplayTarget,
  planReplay,
  rollbackOffsets,
  scopePartitions,
  type PartitionPosition,
  type PlanRow,
  type ReplayTarget,
} from './replay-plan.js';

const USAGE = `usage: ticketflow replay <group> (--to-earliest | --to-offset P:O,… | --to-datetime ISO | --by-duration PT1H)
                        [--topic T]… [--partitions 0,3] [--dry-run] [--stop] [--json]
  --to-earliest        back to the oldest retained record
  --to-offset P:O,…    these offsets on these partitions (one topic: name it with --topic if the group reads several)
  --to-datetime ISO    the first record at or after this time, e.g. 2026-05-01T09:00:00Z
  --by-duration PT1H   the first record at or after that long ago (ISO-8601: PT30M, PT6H, P1D)
  --topic T            only this topic (repeatable); default: every topic the group reads or committed on
  --partitions 0,3     only these partitions
  --dry-run            print the plan per partition (current, target, delta) and change nothing
  --stop               if the group is live, stop its processes through the stack supervisor, reset, start
                       them again and follow their catch-up until the lag is 0
Refused with exit 2, nothing changed: an unknown group or topic, a time in the future, an offset outside the
log, an empty scope, a group with live members (without --stop).`;

export interface ReplayRequest {
  readonly group: string;
  readonly target: ReplayTarget;
  readonly topics: readonly string[] | null;
  readonly partitions: readonly number[] | null;
  readonly dryRun: boolean;
  readonly stop: boolean;
  readonly json: boolean;
}

export interface ReplayDeps {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly processes: GroupProcesses;
  readonly io: Io;
  readonly now?: () => number;
  /** How often catch-up and the group's state are polled. */
  readonly pollMs?: number;
  /** Longest wait for a stopped group's members to leave. */
  readonly leaveTimeoutMs?: number;
}

/** The topics a replay covers by default: what the topology says the group reads, and what it committed on. */
function groupTopics(description: GroupDescription): string[] {
  const node = ticketflow.nodes.find((n) => consumerGroupId(ticketflow.namespace, n.name) === description.group);
  const declared = node && isConsumer(node) ? node.inputs : [];
  return [...new Set([...declared, ...description.partitions.map((p) => p.topic)])].sort();
}

async function positions(
  admin: Admin,
  group: string,
  topics: readonly string[],
  target: ReplayTarget,
  now: number,
): Promise<PartitionPosition[]> {
  const logsOf = new Map(await Promise.all(topics.map(async (t) => [t, await topicOffsets(admin, t)] as const)));
  const missing = topics.filter((t) => !logsOf.get(t));
  if (missing.length > 0) throw new UsageError(`unknown topic ${missing.map((t) => JSON.stringify(t)).join(', ')}`);
  const committed = await committedOffsets(admin, group, [...topics]);
  const all = await Promise.all(
    topics.map(async (topic) => {
      const logs = logsOf.get(topic)!;
      const at = target.kind === 'datetime' ? target.at : target.kind === 'duration' ? now - target.ms : undefined;
      const byTime =
        at === undefined
          ? undefined
          : new Map((await admin.fetchTopicOffsetsByTimestamp(topic, at)).map((o) => [o.partition, Number(o.offset)]));
      return logs.partitions.map((p): PartitionPosition => ({
        topic,
        partition: p.partition,
        committed: committed.find((c) => c.topic === topic && c.partition === p.partition)?.offset ?? null,
        logStart: p.low,
        logEnd: p.high,
        ...(byTime ? { offsetAtTime: byTime.get(p.partition) ?? p.high } : {}),
      }));
    }),
  );
  return all.flat();
}

async function plan(admin: Admin, request: ReplayRequest, topics: readonly string[], now: number) {
  const all = await positions(admin, request.group, topics, request.target, now);
  return planReplay(scopePartitions(all, request.target, request.partitions), request.target);
}

function printPlan(io: Io, request: ReplayRequest, rows: readonly PlanRow[]): void {
  if (request.json) {
    printJson(io.stdout, { group: request.group, dryRun: request.dryRun, partitions: rows });
    return;
  }
  printTable(
    io.stdout,
    ['TOPIC', 'PARTITION', 'CURRENT', 'TARGET', 'DELTA'],
    rows.map((r) => [r.topic, String(r.partition), cell(r.current), String(r.target), cell(r.delta)]),
  );
}

async function waitUntilEmpty(admin: Admin, group: string, timeoutMs: number, pollMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isLive(await describeGroup(admin, group))) return true;
    if (Date.now() > deadline) return false;
    await sleep(pollMs);
  }
}

/** Polls the group's commits on the replayed partitions until none is behind its log end. */
async function followCatchUp(
  admin: Admin,
  request: ReplayRequest,
  rows: readonly PlanRow[],
  names: readonly string[],
  deps: ReplayDeps,
): Promise<number> {
  const topics = [...new Set(rows.map((r) => r.topic))];
  const progress = new Progress({ label: `catching up ${request.group}`, unit: 'records', stream: deps.io.stderr });
  const started = Date.now();
  for (;;) {
    const committed = await committedOffsets(admin, request.group, topics);
    const ends = new Map(await Promise.all(topics.map(async (t) => [t, await topicOffsets(admin, t)] as const)));
    let done = 0;
    let lag = 0;
    for (const row of rows) {
      const at = committed.find((c) => c.topic === row.topic && c.partition === row.partition)?.offset ?? row.target;
      const end = ends.get(row.topic)?.partitions.find((p) => p.partition === row.partition)?.high ?? at;
      done += Math.max(0, at - row.target);
      lag += Math.max(0, end - at);
    }
    progress.update(done, done + lag);
    if (lag === 0) {
      progress.finish();
      line(deps.io.stderr, `caught up: ${done} records in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      return done;
    }
    const stopped = names.filter((n) => !deps.processes.isRunning(n));
    if (stopped.length > 0) {
      progress.finish();
      throw new Error(`${stopped.join(', ')} stopped while catching up; see \`ticketflow stack logs ${stopped[0]}\``);
    }
    await sleep(deps.pollMs ?? 1000);
  }
}

/** Validates, plans, and (unless a dry run) resets; resolves with the exit code. */
export async function replay(request: ReplayRequest, deps: ReplayDeps): Promise<number> {
  const { admin, io } = deps;
  const now = (deps.now ?? Date.now)();
  const pollMs = deps.pollMs ?? 1000;
  const description = await describeGroup(admin, request.group);
  if (isUnknownGroup(description, ticketflow)) {
    throw new UsageError(
      `unknown group ${JSON.stringify(request.group)}: not in the topology and unknown to the broker`,
    );
  }
  const topics = request.topics ?? groupTopics(description);
  if (topics.length === 0) {
    throw new UsageError(`the scope is empty: ${request.group} has no committed offsets or assignment; name --topic`);
  }
  if (request.target.kind === 'offsets' && topics.length !== 1) {
    throw new UsageError(
      `--to-offset needs one topic, and ${request.group} reads ${topics.length}: name it with --topic`,
    );
  }
  let rows = await plan(admin, request, topics, now);
  if (request.dryRun) {
    printPlan(io, request, rows);
    line(io.stderr, `dry run: ${request.group} unchanged${isLive(description) ? ' (it has live members)' : ''}`);
    return EXIT.ok;
  }

  let stopped: string[] = [];
  if (isLive(description)) {
    const clients = [...new Set(description.members.map((m) => m.clientId))].join(', ');
    if (!request.stop) {
      throw new UsageError(
        `${request.group} has ${description.members.length} live member(s) (${clients}); Kafka resets only a group ` +
          'without members: stop them, or pass --stop to have the stack supervisor do it',
      );
    }
    stopped = deps.processes.runningFor(request.group);
    if (stopped.length === 0) {
      throw new UsageError(
        `${request.group} has live members (${clients}) that the stack supervisor did not start; stop them first`,
      );
    }
    line(io.stderr, `stopping ${stopped.join(', ')}`);
    await deps.processes.stop(stopped);
    if (!(await waitUntilEmpty(admin, request.group, deps.leaveTimeoutMs ?? 60_000, pollMs))) {
      await deps.processes.start(stopped);
      throw new Error(`${request.group} still has members after stopping ${stopped.join(', ')}; nothing changed`);
    }
    // Stopping committed what the processes had finished: plan from where they actually stopped.
    rows = await plan(admin, request, topics, now);
  }

  printPlan(io, request, rows);
  for (const topic of [...new Set(rows.map((r) => r.topic))]) {
    const undo = rollbackOffsets(rows, topic);
    if (undo) line(io.stderr, `to undo: ticketflow replay ${request.group} --topic ${topic} --to-offset ${undo}`);
  }
  await commitGroupOffsets(
    deps.kafka,
    request.group,
    rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.target })),
  );
  line(io.stderr, `${request.group}: offsets reset on ${rows.length} partition(s)`);

  if (stopped.length > 0) {
    line(io.stderr, `starting ${stopped.join(', ')}`);
    await deps.processes.start(stopped);
    await followCatchUp(admin, request, rows, stopped, deps);
  }
  return EXIT.ok;
}

export function parseReplayRequest(argv: string[], now: number): ReplayRequest {
  const { values, positionals } = parseOptions(argv, {
    'to-earliest': { type: 'boolean' },
    'to-offset': { type: 'string' },
    'to-datetime': { type: 'string' },
    'by-duration': { type: 'string' },
    topic: { type: 'string', multiple: true },
    partitions: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    stop: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  });
  const [group, ...rest] = positionals;
  if (!group) throw new UsageError('replay needs a group name', true);
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`, true);
  return {
    group,
    target: parseReplayTarget(values, now),
    topics: values.topic && values.topic.length > 0 ? [...new Set(values.topic)] : null,
    partitions: values.partitions === undefined ? null : parsePartitions(values.partitions),
    dryRun: values['dry-run'],
    stop: values.stop,
    json: values.json,
  };
}

export const command: Command = {
  name: 'replay',
  summary: "reset a consumer group's offsets to reprocess",
  usage: USAGE,
  async run(argv, io) {
    const request = parseReplayRequest(argv, Date.now());
    const config = loadConfig();
    const processes = stackGroupProcesses(config, (text) => line(io.stderr, text));
    const kafka = operatorKafka(config, 'replay');
    return withAdmin(kafka, (admin) => replay(request, { kafka, admin, processes, io }));
  },
};
