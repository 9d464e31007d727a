/**
 * The pipeline's processes as the benchmark runs them: HTTP ingest, and the eight processors (five stages, three
 * sinks) in one of three process shapes, each processor in its own `tf.<name>` consumer group on the real
 * topics whatever process hosts it. Also what the benchmark must know of those groups: who else is in them,
 * and how far behind they are.
 */
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { AssignerProtocol, type Admin } from 'kafkajs';
import { freePort, waitUntilOk } from '../../ops/net.js';
import { INGEST_APP, KNOWLEDGE_APPS, PROCESSOR_APPS, STAGE_APPS, type AppSpec } from '../../ops/stack/apps.js';
import { spawnApp, topicEnds, uncommitted } from '../../processors/testing/kafka-kit.js';
import { consumerBinding } from '../../topics/lookup.js';
import { ticketflow } from '../../topics/topology.js';

export const SHAPES = ['per-group', 'stages-sinks', 'single'] as const;
export type Shape = (typeof SHAPES)[number];

/**
 * The processors an interaction passes, in pipeline order: the stages, then the sinks. The knowledge base's are
 * not among them: the benchmark writes its orgs' articles straight into the chunk index.
 */
export const PROCESSORS: readonly string[] = PROCESSOR_APPS.filter((app) => !KNOWLEDGE_APPS.includes(app)).map(
  (app) => app.name,
);
export const STAGES: readonly string[] = STAGE_APPS.map((app) => app.name);
export const SINKS: readonly string[] = PROCESSORS.filter((name) => !STAGES.includes(name));

export interface ProcessPlan {
  /** As shown in the tables. */
  readonly name: string;
  readonly processors: readonly string[];
  readonly app: AppSpec;
}

/** Which processes run which processors: production's one per group, stages and sinks apart, or all in one. */
export function processPlan(shape: Shape, instances: ReadonlyMap<string, number> = new Map()): ProcessPlan[] {
  const host = (name: string, processors: readonly string[], args: string[]): ProcessPlan => ({
    name,
    processors,
    app: { name, entry: 'processors/main.ts', args },
  });
  switch (shape) {
    case 'per-group':
      return PROCESSORS.flatMap((p) =>
        Array.from({ length: instances.get(p) ?? 1 }, (_, i) => host(i === 0 ? p : `${p}-${i + 1}`, [p], [p])),
      );
    case 'stages-sinks':
      return [host('stages', STAGES, [STAGES.join(',')]), host('sinks', SINKS, [SINKS.join(',')])];
    case 'single':
      return [host('processors', PROCESSORS, [PROCESSORS.join(',')])];
  }
}

export const groupOf = (processor: string): string => consumerBinding(ticketflow, processor).groupId;
const inputsOf = (processor: string): string[] => consumerBinding(ticketflow, processor).inputs.map((t) => t.name);

export interface GroupState {
  readonly processor: string;
  readonly group: string;
  readonly state: string;
  readonly members: ReadonlyArray<{ clientId: string; host: string; partitions: number }>;
}

export async function describeProcessorGroups(admin: Admin): Promise<GroupState[]> {
  const { groups } = await admin.describeGroups(PROCESSORS.map(groupOf));
  return PROCESSORS.map((processor) => {
    const group = groups.find((g) => g.groupId === groupOf(processor));
    return {
      processor,
      group: groupOf(processor),
      state: group?.state ?? 'Dead',
      members: (group?.members ?? []).map((m) => {
        const assignment = AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {};
        const partitions = Object.values(assignment).reduce((n, list) => n + list.length, 0);
        return { clientId: m.clientId, host: m.clientHost, partitions };
      }),
    };
  });
}

/** Members of the processor groups that are not the benchmark's (their client ids start otherwise). */
export function otherMembers(groups: readonly GroupState[], ourClientId: string): GroupState[] {
  return groups
    .map((g) => ({ ...g, members: g.members.filter((m) => !m.clientId.startsWith(`${ourClientId}-`)) }))
    .filter((g) => g.members.length > 0);
}

/** Why the benchmark will not share the groups, or null when nobody else is in them. */
export function sharingRefusal(others: readonly GroupState[]): string | null {
  if (others.length === 0) return null;
  const who = others.map((g) => `${g.group}: ${g.members.map((m) => `${m.clientId} (${m.host})`).join(', ')}`);
  return (
    `other consumers are in the pipeline's groups, so part of the work would be done by processes the ` +
    `benchmark does not measure:\n  ${who.join('\n  ')}\n` +
    `They are usually the stack's own apps: stop them with \`npm run stack -- stop <name>\` (start them again ` +
    `with \`npm run stack -- up --apps\`), or pass --share-groups to run anyway; their CPU is then counted ` +
    `when the stack's pid records name them.`
  );
}

/** Records each processor group has not committed yet, over all its input topics. */
export async function groupLag(admin: Admin): Promise<Map<string, number>> {
  const lag = new Map<string, number>();
  for (const processor of PROCESSORS) {
    const ends = await topicEnds(admin, inputsOf(processor));
    lag.set(processor, await uncommitted(admin, groupOf(processor), ends));
  }
  return lag;
}

export interface RunningProcess {
  readonly name: string;
  readonly child: ChildProcess;
}

export interface Pipeline {
  readonly ingestUrl: URL;
  readonly processes: readonly RunningProcess[];
  stop(): Promise<void>;
}

/**
 * Starts ingest and the processors of `shape`, then waits until ingest is ready and every processor group is
 * stable with the benchmark's member in it. A process that exits before `stop` calls `onDeath` with its last
 * output.
 */
export async function startPipeline(
  shape: Shape,
  instances: ReadonlyMap<string, number>,
  admin: Admin,
  clientId: string,
  onDeath: (error: Error) => void,
  timeoutMs = 180_000,
): Promise<Pipeline> {
  const port = await freePort();
  let stopping = false;
  const processes: RunningProcess[] = [];
  const start = (name: string, app: AppSpec, env: Record<string, string>) => {
    const child = spawnApp(
      app,
      { KAFKA_CLIENT_ID: clientId, PROCESSOR_INSTANCE_ID: `${clientId}-${name}`, ...env },
      (error) => {
        if (!stopping) onDeath(error);
      },
    );
    processes.push({ name, child });
  };
  start('ingest', INGEST_APP, { INGEST_PORT: String(port) });
  for (const plan of processPlan(shape, instances)) start(plan.name, plan.app, {});
  const pipeline: Pipeline = {
    ingestUrl: new URL(`http://127.0.0.1:${port}`),
    processes,
    async stop() {
      stopping = true;
      await Promise.all(processes.map(({ child }) => stopChild(child)));
    },
  };
  try {
    await waitUntilOk(`${pipeline.ingestUrl.origin}/readyz`, timeoutMs);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const groups = await describeProcessorGroups(admin);
      const ours = (g: GroupState) => g.members.filter((m) => m.clientId === `${clientId}-${g.processor}`).length;
      const waiting = groups.filter((g) => g.state !== 'Stable' || ours(g) < (instances.get(g.processor) ?? 1));
      if (waiting.length === 0) return pipeline;
      if (Date.now() > deadline) {
        throw new Error(
          `processor groups not stable with the benchmark's members after ${timeoutMs / 1000} s: ` +
            waiting.map((g) => `${g.group} ${g.state}`).join(', '),
        );
      }
      await sleep(500);
    }
  } catch (error) {
    await pipeline.stop();
    throw error;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  // Processes finish their batches within SHUTDOWN_DEADLINE_MS (20 s by default); past that they are stuck.
  const stuck = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(stuck);
}
