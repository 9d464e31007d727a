/**
 * The pipeline working beside the reads: HTTP ingest and the eight processors (one process per consumer group as
 * in production, unless told otherwise), on the real topics and groups, fed a fixed rate of generated interactions for a throwaway org
 * (seeded like bench:chain's, so enrich, retrieve and route do their real work) from a worker thread. Its tickets
 * reach the same search index and Redis the reads use. Stopping waits until every group has caught up, so that
 * nothing is written for the org after it is removed.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@elastic/elasticsearch';
import type { Admin } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { Config } from '../../config/index.js';
import { readCounters } from '../../processors/sinks/live-views.js';
import { removeBenchOrgs, seedBenchOrgs } from '../bench-org.js';
import { benchOrgs } from '../chain/orgs.js';
import { Poster, type PostResult } from '../chain/poster.js';
import {
  describeProcessorGroups,
  groupLag,
  otherMembers,
  sharingRefusal,
  startPipeline,
  type Pipeline,
  type Shape,
} from '../chain/processes.js';
import { Workload } from '../chain/workload.js';

export interface IngestStats {
  posted: number;
  accepted: number;
  refused: number;
  /** Refusals by HTTP status; 0 is no answer (a connection error or none within 60 s). */
  refusedByStatus: Record<string, number>;
  /** From the first POST to the last answer counted. */
  seconds: number;
}

export interface RunningIngest {
  readonly orgId: string;
  readonly pipeline: Pipeline;
  stats(): IngestStats;
  /** Tickets of the org the live views count now. */
  materialized(): Promise<number>;
  /** Stops posting, waits for the groups to catch up (at most `drainMs`), removes the org, stops the processes. */
  stop(drainMs?: number): Promise<void>;
}

/**
 * Seeds the org and starts the processes side by side, then posts `rate` interactions a second for up to
 * `maxSeconds`, and resolves once the first of them is readable in the live views. Refuses to share the
 * processor groups with consumers it did not start: their work would not be measured.
 */
export async function startIngest(options: {
  config: Config;
  es: Client;
  redis: Redis;
  admin: Admin;
  rate: number;
  shape: Shape;
  /** Run beside consumers this run did not start (a running demo's), saying so, rather than refuse. */
  shareGroups?: boolean;
  maxSeconds: number;
  onDeath: (error: Error) => void;
  log: (line: string) => void;
}): Promise<RunningIngest> {
  const { config, es, redis, admin, rate, log } = options;
  const runId = randomUUID().slice(0, 6);
  const clientId = `tf-bench-query-${runId}`;
  const refusal = sharingRefusal(otherMembers(await describeProcessorGroups(admin), clientId));
  if (refusal && !options.shareGroups) throw new Error(refusal);
  if (refusal) log(`sharing the processor groups (--share-groups): ${refusal.split('\n')[0]}`);
  const [profile] = benchOrgs(runId, 1, 1);
  const orgId = profile!.id;
  let pipeline: Pipeline | undefined;
  const [seeding, starting] = await Promise.allSettled([
    seedBenchOrgs(config, es, [profile!]),
    startPipeline(options.shape, new Map(), admin, clientId, options.onDeath).then((started) => (pipeline = started)),
  ]);
  const cleanUp = async () => {
    await removeBenchOrgs(config, es, [orgId], log).catch((error: unknown) => log(`cleanup: ${String(error)}`));
    await pipeline?.stop();
  };
  if (seeding.status === 'rejected' || starting.status === 'rejected') {
    await cleanUp();
    throw seeding.status === 'rejected' ? seeding.reason : (starting as PromiseRejectedResult).reason;
  }
  const key = seeding.value[0]!.key;
  const workload = new Workload({ seed: 11, orgs: [profile!] });
  const requests = Array.from({ length: Math.ceil(rate * options.maxSeconds) }, (_, i) => {
    const interaction = workload.interaction('q', i);
    return { id: `${runId}-${interaction.id}`, key, body: JSON.stringify(interaction.request) };
  });
  const counts = { posted: 0, accepted: 0, refused: 0, first: Infinity, last: 0 };
  const refusedByStatus: Record<string, number> = {};
  const poster = new Poster();
  const posting = poster.run(
    { base: pipeline!.ingestUrl.origin, requests, schedule: { kind: 'rate', perSecond: rate } },
    (results: readonly PostResult[]) => {
      for (const r of results) {
        counts.posted++;
        if (r.status === 202) counts.accepted++;
        else {
          counts.refused++;
          refusedByStatus[r.status] = (refusedByStatus[r.status] ?? 0) + 1;
        }
        counts.first = Math.min(counts.first, r.sentAt);
        counts.last = Math.max(counts.last, r.answeredAt);
      }
    },
  );
  posting.catch(options.onDeath);
  const materialized = async () => Object.values((await readCounters(redis, orgId)).status).reduce((a, b) => a + b, 0);

  const running: RunningIngest = {
    orgId,
    pipeline: pipeline!,
    stats: () => ({
      posted: counts.posted,
      accepted: counts.accepted,
      refused: counts.refused,
      refusedByStatus: { ...refusedByStatus },
      seconds: counts.posted > 0 ? (counts.last - counts.first) / 1000 : 0,
    }),
    materialized,
    async stop(drainMs = 120_000) {
      await poster.close();
      const deadline = Date.now() + drainMs;
      for (;;) {
        const lag = await groupLag(admin);
        if ([...lag.values()].every((n) => n === 0)) break;
        if (Date.now() > deadline) {
          log(`groups still behind after ${drainMs / 1000} s: ${[...lag].map(([g, n]) => `${g} ${n}`).join(', ')}`);
          break;
        }
        await sleep(500);
      }
      await cleanUp();
    },
  };
  const deadline = Date.now() + 180_000;
  while ((await materialized()) === 0) {
    if (Date.now() > deadline) {
      await running.stop(0);
      throw new Error(`no ingested ticket reached the live views within 180 s (${counts.accepted} accepted)`);
    }
    await sleep(500);
  }
  return running;
}
