/**
 * A blue/green rebuild of one view: fill a new version from the earliest retained events with a consumer group
 * of its own while the current version keeps serving, compare the two, switch readers in one atomic step, and
 * keep the old version until it is dropped.
 *
 * The switch loses nothing: the rebuild's sink keeps running after it, until it has read past the end of its
 * topics as they were once the live sink follows the switch, so whatever the live sink wrote to the old version
 * in between also reaches the new one. Both sinks' writes are idempotent (by revision or by content), so the
 * overlap writes nothing twice.
 *
 * An interrupted rebuild leaves its version and its group's committed offsets: `--resume` carries on from there,
 * `--abort` drops both. After a switch, switching back to the kept version is the rollback.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import pino from 'pino';
import type { Config } from '../../config/index.js';
import type { Dependency } from '../../processors/runtime/dependency.js';
import { startStages, type RunningStages } from '../../processors/runtime/main.js';
import type { StageWiring } from '../../processors/runtime/wiring.js';
import { UsageError } from '../cli/command.js';
import { committedOffsets, describeGroup, isLive, topicOffsets } from '../cli/consumer-groups.js';
import { checksumDifferences, totalCount, type VersionedView } from './view.js';

export const rebuildGroup = (view: string, version: number): string => `tf.rebuild.${view}.v${version}`;

export interface RebuildRequest {
  readonly view: VersionedView;
  /** The live sink's wiring: the rebuild reads its topics and dead-letters to its topic, in a group of its own. */
  readonly wiring: StageWiring;
  readonly admin: Admin;
  readonly config: Config;
  readonly dependencies: readonly Dependency[];
  readonly resume?: boolean;
  readonly abort?: boolean;
  readonly dropOld?: boolean;
  /** Switch even when the versions still differ once the comparison's time is up. */
  readonly force?: boolean;
  /** How long the versions may take to agree (the live sink may lag behind the rebuild). */
  readonly compareWithinMs?: number;
  readonly onProgress?: (done: number, total: number) => void;
  readonly log?: (line: string) => void;
}

export interface RebuildResult {
  readonly view: string;
  readonly from: number;
  readonly to: number;
  readonly location: string;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSec: number;
  readonly tickets: { readonly live: number; readonly rebuilt: number };
  readonly differences: ReturnType<typeof checksumDifferences>;
  readonly switched: boolean;
  readonly dropped: number | null;
  readonly aborted: boolean;
}

type Positions = Map<string, number>;
const at = (topic: string, partition: number) => `${topic}:${partition}`;

async function logEnds(admin: Admin, topics: readonly string[]): Promise<{ ends: Positions; starts: Positions }> {
  const ends: Positions = new Map();
  const starts: Positions = new Map();
  for (const topic of topics) {
    for (const p of (await topicOffsets(admin, topic))?.partitions ?? []) {
      ends.set(at(topic, p.partition), p.high);
      starts.set(at(topic, p.partition), p.low);
    }
  }
  return { ends, starts };
}

/** Records the group has read towards `ends`, counted from the log starts. */
async function readSoFar(admin: Admin, group: string, topics: readonly string[], starts: Positions, ends: Positions) {
  const committed = new Map(
    (await committedOffsets(admin, group, [...topics])).map((c) => [at(c.topic, c.partition), c.offset]),
  );
  let done = 0;
  let behind = 0;
  for (const [key, end] of ends) {
    const position = Math.max(committed.get(key) ?? 0, starts.get(key) ?? 0);
    done += Math.min(position, end) - (starts.get(key) ?? 0);
    if (position < end) behind += 1;
  }
  return { done, caughtUp: behind === 0 };
}

const total = (starts: Positions, ends: Positions) =>
  [...ends].reduce((sum, [key, end]) => sum + end - (starts.get(key) ?? 0), 0);

async function follow(
  request: RebuildRequest,
  group: string,
  starts: Positions,
  ends: Positions,
  progress?: (done: number, total: number) => void,
): Promise<number> {
  const topics = request.wiring.inputTopics;
  for (;;) {
    const { done, caughtUp } = await readSoFar(request.admin, group, topics, starts, ends);
    progress?.(done, total(starts, ends));
    if (caughtUp) return done;
    await sleep(250);
  }
}

/** Picks the version to build, or refuses: another rebuild running, or an unfinished one not named. */
async function targetVersion(request: RebuildRequest, from: number) {
  const { view, admin } = request;
  const newest = Math.max(from, ...(await view.versions()));
  if (newest > from) {
    if (isLive(await describeGroup(admin, rebuildGroup(view.name, newest)))) {
      throw new UsageError(`a rebuild of ${view.name} (version ${newest}) is running; wait for it or stop it first`);
    }
    if (request.abort) return { version: newest, resumed: false, abort: true };
    if (!request.resume) {
      throw new UsageError(
        `version ${newest} of ${view.name} (${view.location(newest)}) was left unfinished by an earlier rebuild: ` +
          `run again with --resume to carry on, or --abort to drop it`,
      );
    }
    return { version: newest, resumed: true, abort: false };
  }
  if (request.resume || request.abort) {
    throw new UsageError(`no unfinished rebuild of ${view.name} to ${request.resume ? 'resume' : 'abort'}`);
  }
  return { version: newest + 1, resumed: false, abort: false };
}

async function compare(request: RebuildRequest, from: number, to: number) {
  const deadline = Date.now() + (request.compareWithinMs ?? 60_000);
  for (;;) {
    const [live, rebuilt] = await Promise.all([request.view.checksum(from), request.view.checksum(to)]);
    const differences = checksumDifferences(live, rebuilt);
    if (differences.length === 0 || Date.now() >= deadline) return { live, rebuilt, differences };
    request.log?.(`versions differ for ${differences.length} org(s); waiting for both sinks to catch up`);
    await sleep(1000);
  }
}

export async function rebuildView(request: RebuildRequest): Promise<RebuildResult> {
  const { view, admin, wiring } = request;
  const from = await view.current();
  const { version: to, resumed, abort } = await targetVersion(request, from);
  const group = rebuildGroup(view.name, to);
  const base = { view: view.name, from, to, location: view.location(to) };
  if (abort) {
    await view.drop(to);
    await admin.deleteGroups([group]).catch(() => undefined);
    return {
      ...base,
      events: 0,
      seconds: 0,
      eventsPerSec: 0,
      tickets: { live: 0, rebuilt: 0 },
      differences: [],
      switched: false,
      dropped: to,
      aborted: true,
    };
  }
  if (!resumed) await view.create(to);
  request.log?.(`${resumed ? 'resuming' : 'building'} version ${to} of ${view.name} in ${view.location(to)}`);

  const started = Date.now();
  const { ends, starts } = await logEnds(admin, wiring.inputTopics);
  let running: RunningStages | null = await startStages(
    [
      {
        stage: view.sink(to),
        wiring: { ...wiring, groupId: group, outputTopic: undefined },
        options: { fromBeginning: true, instanceId: `rebuild-v${to}` },
      },
    ],
    { config: request.config, dependencies: request.dependencies, logger: pino({ level: 'warn' }) },
  );
  try {
    const events = await follow(request, group, starts, ends, request.onProgress);
    const seconds = (Date.now() - started) / 1000;
    const { live, rebuilt, differences } = await compare(request, from, to);
    const tickets = { live: totalCount(live), rebuilt: totalCount(rebuilt) };
    const outcome = {
      ...base,
      events,
      seconds,
      eventsPerSec: seconds > 0 ? events / seconds : 0,
      tickets,
      differences,
    };
    if (differences.length > 0 && !request.force) {
      return { ...outcome, switched: false, dropped: null, aborted: false };
    }
    await view.switchTo(to);
    request.log?.(`switched ${view.pointer} to version ${to}; following the live sink over`);
    await sleep(view.followWithinMs);
    const after = await logEnds(admin, wiring.inputTopics);
    await follow(request, group, after.starts, after.ends);
    await running.stop();
    running = null;
    await admin.deleteGroups([group]).catch(() => undefined);
    let dropped: number | null = null;
    if (request.dropOld && from !== to && (await view.versions()).includes(from)) {
      await view.drop(from);
      dropped = from;
    }
    return { ...outcome, switched: true, dropped, aborted: false };
  } finally {
    await running?.stop();
  }
}
