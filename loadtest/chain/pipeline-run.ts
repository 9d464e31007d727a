/**
 * The whole pipeline under load: seeds the benchmark's orgs, starts ingest and the processors in the chosen
 * shape on the real topics and groups, then runs a warm-up, a burst and a steady phase, each measured from
 * the POST to the ticket visible in MongoDB, Elasticsearch and Redis, with the CPU and memory of every process
 * involved. Removes what it wrote, whatever happened.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import type { Config } from '../../config/index.js';
import { serviceFiles, readPidRecord } from '../../ops/stack/supervisor.js';
import { stackServices } from '../../ops/stack/services/index.js';
import { kafka } from '../../processors/testing/kafka-kit.js';
import { ticketsCollection } from '../../processors/sinks/ticket-store.js';
import { removeBenchOrgs, seedBenchOrgs, type SeededOrg } from '../bench-org.js';
import { checkIntegrity, type IntegrityReport } from './integrity.js';
import { observe, type Observer } from './observer.js';
import type { ChainOptions } from './options.js';
import { benchOrgs, type OrgProfile } from './orgs.js';
import { BenchmarkFailure, runPhase, type PhaseContext, type PhaseResult } from './phase.js';
import { Poster } from './poster.js';
import { ProcSampler, type Watched } from './proc-stats.js';
import {
  describeProcessorGroups,
  groupLag,
  otherMembers,
  sharingRefusal,
  startPipeline,
  type GroupState,
  type Pipeline,
} from './processes.js';
import { Tracker } from './tracker.js';
import { VisibilityPoller } from './visibility.js';
import { Workload } from './workload.js';

/** The groups have members the benchmark did not start, and it was not told to share them. */
export class RefusedError extends Error {
  override name = 'RefusedError';
}

export interface PipelineReport {
  runId: string;
  shape: ChainOptions['shape'];
  orgs: Array<OrgProfile & Pick<SeededOrg, 'keying' | 'chunks'>>;
  /** Members of the processor groups the benchmark did not start (with --share-groups). */
  sharedWith: GroupState[];
  /** Records the processor groups had not committed before the run. */
  lagBefore: Record<string, number>;
  /** Servers whose CPU could not be counted (no pid record in this stack's state folder). */
  unwatched: string[];
  pollIntervalMs: number;
  warmup: PhaseResult;
  burst: PhaseResult;
  steady: PhaseResult;
  integrity: IntegrityReport;
}

/** Servers started by this stack (pid records under its state folder), each counted with its whole tree. */
function stackServers(config: Config): { watched: Watched[]; missing: string[] } {
  const watched: Watched[] = [];
  const missing: string[] = [];
  for (const service of stackServices) {
    const record = readPidRecord(serviceFiles(config.stack, service.name).pidFile);
    if (record && existsSync(`/proc/${record.pid}`)) {
      watched.push({ name: service.name, kind: 'server', rootPid: record.pid, tree: true });
    } else if (service.name !== 'prometheus') missing.push(service.name);
  }
  return { watched, missing };
}

/** The stack's own processor processes, when they share the groups: their work is part of the run. */
function stackApps(config: Config, shared: readonly GroupState[]): Watched[] {
  return shared.flatMap((g) => {
    const record = readPidRecord(serviceFiles(config.stack, g.processor).pidFile);
    return record && existsSync(`/proc/${record.pid}`)
      ? [{ name: `stack's ${g.processor}`, kind: 'node' as const, rootPid: record.pid, tree: true }]
      : [];
  });
}

export async function runPipelineBenchmark(
  options: ChainOptions,
  config: Config,
  log: (line: string) => void,
): Promise<PipelineReport> {
  const runId = randomUUID().slice(0, 6);
  const clientId = `tf-bench-${runId}`;
  const admin = kafka.admin();
  await admin.connect();
  let failure: Error | undefined;
  const fail = (error: Error) => (failure ??= new BenchmarkFailure(error.message));
  const interrupted = (signal: string) => fail(new Error(`interrupted by ${signal}`));
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);

  const es = new Client({ node: config.elasticsearch.url, requestTimeout: 60_000 });
  const mongo = new MongoClient(config.mongo.url, { serverSelectionTimeoutMS: 10_000 });
  const redis = new Redis(config.redis.url, { lazyConnect: true });
  const tickets = ticketsCollection(mongo.db(config.mongo.database));
  const orgs = benchOrgs(runId, options.orgs, options.hotShare);
  let seeded = false;
  let observer: Observer | undefined;
  let pipeline: Pipeline | undefined;
  let sampler: ProcSampler | undefined;
  let poller: VisibilityPoller | undefined;
  let poster: Poster | undefined;
  try {
    const before = otherMembers(await describeProcessorGroups(admin), clientId);
    const refusal = sharingRefusal(before);
    if (refusal && !options.shareGroups) throw new RefusedError(refusal);
    if (refusal) log(`sharing the processor groups (--share-groups): ${refusal.split('\n')[0]}`);
    const lagBefore = Object.fromEntries(await groupLag(admin));
    const backlog = Object.entries(lagBefore).filter(([, n]) => n > 0);
    if (backlog.length > 0) {
      log(`groups start behind (${backlog.map(([g, n]) => `${g} ${n}`).join(', ')}): the warm-up processes that first`);
    }

    await redis.connect();
    seeded = true;
    // Both take a while on a busy machine, and neither needs the other.
    log(
      `seeding ${orgs.length} orgs (customers, SLA policies, route settings, ingest keys, knowledge base) and ` +
        `starting ingest and the processors, shape ${options.shape}`,
    );
    const [seeding, starting] = await Promise.allSettled([
      seedBenchOrgs(config, es, orgs),
      startPipeline(options.shape, admin, clientId, fail).then((started) => (pipeline = started)),
    ]);
    if (seeding.status === 'rejected') throw seeding.reason;
    if (starting.status === 'rejected') throw starting.reason;
    const seededOrgs = seeding.value;
    pipeline = starting.value;
    const tracker = new Tracker();
    observer = await observe(tracker, runId);
    const shared = otherMembers(await describeProcessorGroups(admin), clientId);
    if (shared.length > 0 && !options.shareGroups) throw new RefusedError(sharingRefusal(shared)!);

    const servers = stackServers(config);
    if (servers.missing.length > 0) {
      log(
        `no live pid record under ${config.stack.stateDir} for ${servers.missing.join(', ')}: their CPU is not counted`,
      );
    }
    sampler = new ProcSampler([
      ...servers.watched,
      ...pipeline.processes.map((p): Watched => ({ name: p.name, kind: 'node', rootPid: p.child.pid!, tree: true })),
      ...stackApps(config, shared),
      { name: 'benchmark', kind: 'benchmark', rootPid: process.pid, tree: false },
    ]);
    sampler.start();
    poller = new VisibilityPoller(tracker, { tickets, es, redis }, options.pollMs);
    poller.start();
    poster = new Poster();
    const ctx: PhaseContext = {
      workload: new Workload({ seed: options.seed, orgs }),
      orgs: seededOrgs,
      tracker,
      poster,
      poller,
      sampler,
      ingestUrl: pipeline.ingestUrl,
      check: () => {
        if (failure) throw failure;
      },
      lag: () => groupLag(admin),
      log,
      stallMs: options.stallSeconds * 1000,
      deadlineMs: options.deadlineSeconds * 1000,
    };
    const drained = async (after: string) => {
      const deadline = Date.now() + options.stallSeconds * 1000;
      for (;;) {
        ctx.check();
        const lag = await groupLag(admin);
        if ([...lag.values()].every((n) => n === 0)) return;
        if (Date.now() > deadline) {
          throw new BenchmarkFailure(
            `groups still behind ${options.stallSeconds} s after the ${after}: ` +
              [...lag].map(([g, n]) => `${g} ${n}`).join(', '),
          );
        }
        await sleep(500);
      }
    };

    // Until the JIT, connections, caches and schema lookups have settled, latencies say nothing.
    log(`warm-up: ${options.warmup} interactions at 50/s`);
    const warmup = await runPhase(ctx, {
      name: 'warm-up',
      prefix: 'w',
      count: options.warmup,
      schedule: { kind: 'rate', perSecond: 50 },
    });
    await drained('warm-up');
    log(`burst: ${options.burst} interactions over ${options.concurrency} connections`);
    const burst = await runPhase(ctx, {
      name: 'burst',
      prefix: 'b',
      count: options.burst,
      schedule: { kind: 'burst', concurrency: options.concurrency },
    });
    await drained('burst');
    log(`steady: ${options.rate} interactions/s for ${options.seconds} s`);
    const steady = await runPhase(ctx, {
      name: 'steady',
      prefix: 's',
      count: options.rate * options.seconds,
      schedule: { kind: 'rate', perSecond: options.rate },
    });
    await drained('steady phase');
    log('checking for duplicates in the three stores');
    const integrity = await checkIntegrity(
      { tickets, es, redis },
      orgs.map((o) => o.id),
      tracker,
      ['warm-up', 'burst', 'steady'],
    );
    for (const phase of [warmup, burst, steady]) phase.duplicated = integrity.duplicatedByPhase[phase.name] ?? 0;
    return {
      runId,
      shape: options.shape,
      orgs: orgs.map((o, i) => ({ ...o, keying: seededOrgs[i]!.keying, chunks: seededOrgs[i]!.chunks })),
      sharedWith: shared,
      lagBefore,
      unwatched: servers.missing,
      pollIntervalMs: options.pollMs,
      warmup,
      burst,
      steady,
      integrity,
    };
  } finally {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    await poller?.stop();
    await poster?.close();
    sampler?.stop();
    await pipeline?.stop();
    await observer?.stop();
    if (seeded) {
      log(`removing the benchmark's orgs and everything written for them`);
      await removeBenchOrgs(
        config,
        es,
        orgs.map((o) => o.id),
        log,
      ).catch((error: unknown) => log(`cleanup failed: ${(error as Error).message}`));
    }
    await Promise.allSettled([es.close(), mongo.close(), admin.disconnect()]);
    redis.disconnect();
  }
}
