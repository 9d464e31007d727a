/**
 * `npm run bench:faults`: the fault suite's longer variant. A client posts interactions at a steady rate (20/s by
 * default) for one throwaway org through HTTP ingest to the processors, while each server of the stack in turn is
 * taken away for minutes, far beyond the runtime's retry budget: Kafka killed with SIGKILL, then Elasticsearch, the
 * Mongo-wire store, PostgreSQL, Redis and the schema registry each stopped and each killed. After each outage it
 * waits until everything accepted so far is routed and visible in all three stores (the catch-up time, from the
 * server's return); at the end it tells, per outage, for the interactions first posted during it: new dead letters,
 * lost, duplicated, not routed, missing per store, and ingest's 503s. Needs a running, provisioned stack that it
 * may take apart; it starts its own ingest and processors (one process, `processors/main.ts --all`), and removes
 * what it wrote. `--help` lists the options; exit 1 when anything was lost, duplicated or dead-lettered.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { stackServices } from '../ops/stack/services/index.js';
import { Supervisor } from '../ops/stack/supervisor.js';
import { ticketsCollection } from '../processors/sinks/ticket-store.js';
import {
  bringBack,
  deadLetterCount,
  outageName,
  standings,
  SteadyClient,
  takeAway,
  untilEverywhere,
  type Outage,
  type Server,
  type StoreClients,
} from '../processors/testing/fault-kit.js';
import { config, kafka } from '../processors/testing/kafka-kit.js';
import { skipHistoryOfIdleGroups } from '../processors/testing/pipeline-kit.js';
import { createUnthrottledOrg, removeBenchOrgs } from './bench-org.js';
import { groupLag, startPipeline, type Pipeline } from './chain/processes.js';
import { outagesOf, parseFaultOptions, USAGE, type FaultOptions } from './faults/options.js';
import { markdownTable, round } from './stats.js';

interface OutageResult {
  outage: string;
  server: Server;
  how: Outage['how'];
  /** From taking the server away until it answered its health check again. */
  awaySeconds: number;
  /** From its return until everything accepted so far was routed and in all three stores; null: not within the limit. */
  catchUpSeconds: number | null;
  /** Interactions first posted from this outage's start until the next one's, and what became of them. */
  posted: number;
  ingest503: number;
  otherRefusals: number;
  newDeadLetters: number;
  /** Accepted, not in MongoDB, and the pipeline had nothing left to do: gone. */
  lost: number;
  /** The lost ones, so they can be traced through the topics: ticket and conversation ids. */
  lostTickets: Array<{ ticketId: string; conversationId: string }>;
  /** Accepted and not in MongoDB yet while the pipeline still had records to process: late, not lost. */
  behind: number;
  duplicated: number;
  notRouted: number;
  missing: { mongo: number; search: number; redis: number };
}

let options: FaultOptions;
try {
  options = parseFaultOptions(process.argv.slice(2));
} catch (error) {
  console.error(`bench:faults: ${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}

const started = Date.now();
const log = (line: string) => console.log(`[+${Math.round((Date.now() - started) / 1000)}s] ${line}`);
const run = randomUUID().slice(0, 8);
const orgId = `bench-faults-${run}`;
const supervisor = new Supervisor(config.stack, stackServices, () => undefined);
const mongo = new MongoClient(config.mongo.url, { serverSelectionTimeoutMS: 5000 });
const es = new Client({ node: config.elasticsearch.url, requestTimeout: 30_000, maxRetries: 0 });
const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
// Redis goes away twice; the client reconnects on its own, and a failed poll is simply repeated.
redis.on('error', () => undefined);
const stores: StoreClients = { tickets: ticketsCollection(mongo.db(config.mongo.database)), es, redis };
let pipeline: Pipeline | undefined;
/** A process of the pipeline that died: the run stops at the end of the outage in hand, since what follows would measure nothing. */
let death: Error | undefined;
const outages = outagesOf(options.servers, options.outageSeconds);
const results: OutageResult[] = [];
const loadAverages: number[] = [];
let orgCreated = false;

/** Peak resident memory of each process of the pipeline (VmHWM), in MB. */
function peakMemory(): Record<string, number> {
  const peaks: Record<string, number> = {};
  for (const { name, child } of pipeline?.processes ?? []) {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (hwm) peaks[name] = Math.round(Number(hwm[1]) / 1024);
    } catch {
      // The process is gone; its death is reported on its own.
    }
  }
  return peaks;
}

async function main(): Promise<number> {
  log(
    `${outages.length} outages of ${options.outageSeconds} s at ${options.rate} interactions/s: ` +
      outages.map(outageName).join(', '),
  );
  await Promise.all([mongo.connect(), redis.connect()]);
  const key = await createUnthrottledOrg(config, orgId, orgId);
  orgCreated = true;
  await skipHistoryOfIdleGroups();
  const admin = kafka.admin();
  await admin.connect();
  try {
    // One process per consumer group, as in production, each its own heap.
    pipeline = await startPipeline(options.shape, new Map(), admin, `bench-faults-${run}`, (error) => {
      death ??= error;
      log(`a process died: ${error.message.slice(0, 2000)}`);
    });
  } finally {
    await admin.disconnect();
  }
  const ingestUrl = pipeline.ingestUrl.origin;
  const client = new SteadyClient({ ingestUrl, key, run: `bench-faults-${run}` }, options.rate);
  client.label = 'before';
  client.start();
  const sampler = setInterval(() => loadAverages.push(loadavg()[0]!), 5000);
  try {
    await sleep(options.settleSeconds * 1000);
    for (const o of outages) {
      if (interrupted) {
        log(`interrupted: no more outages`);
        break;
      }
      const name = outageName(o);
      const deadBefore = await deadLetterCount();
      const began = Date.now();
      client.label = name;
      await takeAway(supervisor, o);
      log(`${name}: away for ${options.outageSeconds} s`);
      await sleep(Math.max(0, o.seconds * 1000 - (Date.now() - began)));
      await bringBack(supervisor, o.server);
      const back = Date.now();
      const awaySeconds = (back - began) / 1000;
      const acceptedSoFar = client.accepted.map((a) => a.ticketId);
      const caughtUpMs = await untilEverywhere(stores, orgId, acceptedSoFar, options.catchUpSeconds * 1000);
      const catchUpSeconds = caughtUpMs === null ? null : (Date.now() - back) / 1000;
      const newDeadLetters = (await deadLetterCount()) - deadBefore;
      log(
        `${name}: back after ${round(awaySeconds, 1)} s; ${acceptedSoFar.length} accepted so far all visible ` +
          `${catchUpSeconds === null ? `NOT within ${options.catchUpSeconds} s` : `${round(catchUpSeconds, 1)} s after its return`}; ` +
          `${newDeadLetters} new dead letters; ingest 503s ${client.refusalsOf(name, '503')}`,
      );
      results.push({
        outage: name,
        server: o.server,
        how: o.how,
        awaySeconds,
        catchUpSeconds,
        posted: 0,
        ingest503: client.refusalsOf(name, '503'),
        otherRefusals: client.refusalsOf(name) - client.refusalsOf(name, '503'),
        newDeadLetters,
        lost: 0,
        lostTickets: [],
        behind: 0,
        duplicated: 0,
        notRouted: 0,
        missing: { mongo: 0, search: 0, redis: 0 },
      });
      if (death) {
        log(`stopping after ${name}: a process of the pipeline died, so later outages would measure nothing`);
        break;
      }
      // A pause of steady load between outages.
      await sleep(5000);
    }
    client.label = 'after';
    await sleep(5000);
  } finally {
    clearInterval(sampler);
    await client.stop();
  }

  const all = client.accepted.map((a) => a.ticketId);
  // With a process dead, nothing more would become visible.
  const finalCatchUp = death ? null : await untilEverywhere(stores, orgId, all, options.catchUpSeconds * 1000);
  log(`${all.length} accepted in all; ${finalCatchUp === null ? 'NOT all' : 'all'} visible at the end`);
  // An interaction missing from the store is lost only once the pipeline has nothing left to process: before
  // that, on a machine too busy to catch up within the limit, it is merely late.
  const backlog = finalCatchUp === null ? await pipelineBacklog() : 0;
  if (backlog > 0) log(`the pipeline's groups are still ${backlog} records behind: missing tickets count as behind`);
  await account(client, backlog > 0);
  const totals = report(all.length, finalCatchUp !== null, peakMemory());
  return totals.bad || death ? 1 : 0;
}

/** Records the pipeline's groups have not committed yet, over all their input topics. */
async function pipelineBacklog(): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return [...(await groupLag(admin)).values()].reduce((sum, lag) => sum + lag, 0);
  } finally {
    await admin.disconnect();
  }
}

/** Fills each outage's row with what became of the interactions first posted during it. */
async function account(client: SteadyClient, pipelineBehind: boolean): Promise<void> {
  const seen = await standings(
    stores,
    orgId,
    client.accepted.map((a) => a.ticketId),
  );
  // Copies: tickets beyond one per conversation, or holding an interaction twice.
  const perConversation = new Map<string, number>();
  const crowded = new Set<string>();
  const docs = await stores.tickets
    .find({ orgId }, { projection: { conversationId: 1, 'interactions.interactionId': 1 } })
    .toArray();
  for (const doc of docs) {
    perConversation.set(doc.conversationId, (perConversation.get(doc.conversationId) ?? 0) + 1);
    if ((doc.interactions?.length ?? 0) > 1) crowded.add(doc.conversationId);
  }
  for (const row of results) {
    const mine = client.accepted.filter((a) => a.label === row.outage);
    row.posted = mine.length;
    for (const a of mine) {
      const s = seen.get(a.ticketId)!;
      if (!s.stored && pipelineBehind) row.behind++;
      else if (!s.stored) {
        row.lost++;
        row.lostTickets.push({ ticketId: a.ticketId, conversationId: a.conversationId });
      } else if (!s.routed) row.notRouted++;
      if (!s.routed) row.missing.mongo++;
      if (!s.searchable) row.missing.search++;
      if (!s.queued) row.missing.redis++;
      const copies = perConversation.get(a.conversationId) ?? 0;
      if (copies > 1 || crowded.has(a.conversationId)) row.duplicated++;
    }
  }
}

function report(accepted: number, allVisible: boolean, peakRssMb: Record<string, number>): { bad: boolean } {
  const rows = results.map((r) => [
    r.outage,
    round(r.awaySeconds, 0),
    r.posted,
    r.ingest503,
    r.newDeadLetters,
    r.lost,
    r.behind,
    r.duplicated,
    r.notRouted,
    `${r.missing.mongo} / ${r.missing.search} / ${r.missing.redis}`,
    r.catchUpSeconds === null ? `not within ${options.catchUpSeconds}` : round(r.catchUpSeconds, 1),
  ]);
  console.log(
    `\n${markdownTable(
      [
        'server taken away',
        'away s',
        'posted from its start to the next',
        'ingest 503s',
        'new dead letters',
        'lost',
        'behind',
        'duplicated',
        'not routed',
        'missing: MongoDB / ES / Redis',
        'caught up s after return',
      ],
      rows,
    )}`,
  );
  for (const r of results) {
    if (r.lostTickets.length > 0) {
      const named = r.lostTickets.map((t) => `${t.ticketId} (${t.conversationId})`).join(', ');
      console.log(`lost during ${r.outage}: ${named}`);
    }
  }
  const peak = loadAverages.length ? Math.max(...loadAverages) : loadavg()[0]!;
  console.log(
    `\n${accepted} interactions accepted at ${options.rate}/s; the machine's load average up to ${round(peak, 1)}; ` +
      `peak RSS MB: ${Object.entries(peakRssMb)
        .map(([name, mb]) => `${name} ${mb}`)
        .join(', ')}${death ? `\na process died: ${death.message.split('\n')[0]}` : ''}`,
  );
  const bad =
    !allVisible ||
    results.some(
      (r) =>
        r.newDeadLetters > 0 ||
        r.lost > 0 ||
        r.duplicated > 0 ||
        r.notRouted > 0 ||
        r.catchUpSeconds === null ||
        r.missing.mongo + r.missing.search + r.missing.redis > 0,
    );
  if (options.json) {
    writeFileSync(
      options.json,
      `${JSON.stringify(
        {
          ratePerSec: options.rate,
          outageSeconds: options.outageSeconds,
          accepted,
          allVisible,
          peakLoadAverage: peak,
          peakRssMb,
          processDied: death?.message ?? null,
          outages: results,
        },
        null,
        2,
      )}\n`,
    );
  }
  return { bad };
}

/** SIGINT or SIGTERM: finish the outage in hand, then account and report as at the end; a second one exits. */
let interrupted = false;
const interrupt = () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  log('stopping after the outage in hand (again to exit at once)');
};
process.on('SIGINT', interrupt).on('SIGTERM', interrupt);

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  log(`failed: ${(error as Error).stack ?? String(error)}`);
} finally {
  // Whatever happened, every server is left running and the org's traces removed.
  await supervisor.up([...new Set(outages.map((o) => o.server))]).catch((error: unknown) => log(String(error)));
  if (orgCreated) {
    log(`removing the benchmark's org and everything written for it`);
    await removeBenchOrgs(config, es, [orgId], log).catch((error: unknown) =>
      log(`cleanup failed: ${(error as Error).message}`),
    );
  }
  await pipeline?.stop();
  await Promise.allSettled([mongo.close(), es.close()]);
  redis.disconnect();
}
process.exit(exitCode);
