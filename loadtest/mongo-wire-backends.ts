/**
 * The ticket store's access patterns on each Mongo-wire server of the stack, at a size where a scan shows: the
 * mongo-java-server the stack runs as `mongo`, and FerretDB on the stack's PostgreSQL (`stack up ferretdb`).
 *
 *   npm run bench:mongo-wire [-- --tickets 100000 --seconds 10 --batch 500 --servers mongo,ferretdb --op-timeout 90
 *     --json out.json]
 *
 * Patterns, one operation each, run back to back for --seconds:
 *   (a) find({_id: {$in: [batch ids]}})
 *   (b) one unordered bulkWrite of `batch` compare-and-set updateOne({_id, revision}, {$set: changed fields,
 *       revision + 1}), with a unique index {_id: 1, revision: 1} (the key set mongo-java-server can serve)
 *   (c) one unordered insertMany of `batch` new tickets (removed again afterwards, outside the measurement)
 *   before (the sink until the batch rewrite): findOne({_id}) then updateOne({_id, revision, appliedEventIds: {$ne: eventId}}, …), one event at a time
 * The data set (--tickets documents of about 3 KB, folded from the fixture events like the ticket-store sink does)
 * is built once per server and reused by later runs. CPU is read from /proc for each server's processes (for
 * FerretDB, its own process and PostgreSQL's), so the figures are the servers' cost, not the client's.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MongoClient, MongoNetworkTimeoutError, type AnyBulkWriteOperation, type Collection, type Db } from 'mongodb';
import pg from 'pg';
import { loadConfig } from '../config/index.js';
import { ferretdbUrl, FERRETDB_DATABASE } from '../ops/stack/services/ferretdb.js';
import { POSTGRES_USER } from '../ops/stack/services/postgres.js';
import { readPidRecord, serviceFiles } from '../ops/stack/supervisor.js';
import { foldTicket, type TicketDocument } from '../processors/sinks/ticket-document.js';
import type { TicketEvent } from '../processors/sinks/events.js';
import type { TicketStatus } from '../processors/sinks/ticket-facts.js';
import { sampleEvents } from '../schemas/fixtures.js';
import { markdownTable, percentile, round } from './stats.js';

const { values } = parseArgs({
  options: {
    tickets: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '10' },
    batch: { type: 'string', default: '500' },
    servers: { type: 'string', default: 'mongo,ferretdb' },
    'op-timeout': { type: 'string', default: '90' },
    json: { type: 'string' },
  },
});
const TICKETS = positive('tickets');
const SECONDS = positive('seconds');
const BATCH = positive('batch');
/** One operation taking longer than this fails its pattern on that server instead of holding the run for minutes. */
const OP_TIMEOUT_MS = positive('op-timeout') * 1000;

function positive(name: 'tickets' | 'seconds' | 'batch' | 'op-timeout'): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${values[name]}`);
  return n;
}

const DATABASE = 'bench_mongo_wire';
/** One collection per size, so data sets of several sizes are each built once and kept. */
const COLLECTION = `tickets_${TICKETS}`;
/** Bumped whenever the documents' shape changes, so a data set of an older shape is rebuilt rather than reused. */
const SHAPE = 1;
const ORGS = 20;
const STATUSES: readonly TicketStatus[] = ['open', 'pending', 'auto_replied', 'resolved'];

const config = loadConfig();
const stack = config.stack;

interface Server {
  name: string;
  url: string;
  /**
   * Most update statements one command may carry. FerretDB 1.24 holds a PostgreSQL connection for every statement
   * of an update command until the command ends, so a command with as many statements as its pool has connections
   * (50) waits forever, and the whole server with it.
   */
  maxUpdatesPerCommand: number;
  /** Process groups whose CPU is the server's cost. */
  processGroups: () => number[];
  /** Bytes all the server's data takes on disk (its data sets of every size, and anything else stored there). */
  storedBytes: () => Promise<number>;
}

function pidOf(service: string): number {
  const record = readPidRecord(serviceFiles(stack, service).pidFile);
  if (!record) throw new Error(`${service} is not running in ${stack.stateDir}: run npm run stack -- up ${service}`);
  return record.pid;
}

const SERVERS: Record<string, Server> = {
  mongo: {
    name: 'mongo-java-server 1.47.0 (H2 MVStore)',
    url: `mongodb://${stack.host}:${stack.ports.mongo}/`,
    maxUpdatesPerCommand: Infinity,
    processGroups: () => [pidOf('mongo')],
    storedBytes: async () => statSync(path.join(serviceFiles(stack, 'mongo').dir, 'data.mv')).size,
  },
  ferretdb: {
    name: 'FerretDB 1.24.2 (PostgreSQL 15)',
    url: ferretdbUrl(stack),
    maxUpdatesPerCommand: 40,
    processGroups: () => [pidOf('ferretdb'), pidOf('postgres')],
    storedBytes: async () => {
      const client = new pg.Client({ host: stack.host, port: stack.ports.postgres, user: POSTGRES_USER });
      await client.connect();
      try {
        const { rows } = await client.query<{ size: string }>('SELECT pg_database_size($1) AS size', [
          FERRETDB_DATABASE,
        ]);
        return Number(rows[0]!.size);
      } finally {
        await client.end();
      }
    },
  },
};

// ---- CPU of a server's processes, from /proc ----

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** User + system CPU seconds of every live process in the groups, plus what the leaders' reaped children used. */
function cpuSeconds(groups: readonly number[]): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    // cutime cstime …
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (!groups.includes(Number(fields[2]))) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
    if (groups.includes(Number(entry))) ticks += Number(fields[13]) + Number(fields[14]);
  }
  return ticks / CLOCK_TICKS;
}

// ---- the data set ----

/** A routed ticket folded from the fixture chain exactly as the ticket-store sink folds it: about 3 KB of BSON. */
function templateTicket(): TicketDocument {
  const chain = [
    sampleEvents.InteractionReceived,
    sampleEvents.InteractionEnriched,
    sampleEvents.InteractionClassified,
    sampleEvents.InteractionGrounded,
    sampleEvents.ResponseDrafted,
    sampleEvents.RoutingDecided,
  ] as TicketEvent[];
  let ticket: TicketDocument | null = null;
  for (const event of chain) ticket = foldTicket(ticket, event);
  return ticket!;
}

const template = templateTicket();

/** Ticket `i` of the data set: its own ids, org, status and text, so no two documents are alike. */
function ticket(i: number, prefix = 'T'): TicketDocument {
  const doc = structuredClone(template);
  const orgId = `bench-org-${i % ORGS}`;
  doc.ticketId = `${prefix}-${i}`;
  doc._id = `${orgId}:${doc.ticketId}`;
  doc.orgId = orgId;
  doc.conversationId = `conv-${i}`;
  doc.status = STATUSES[i % STATUSES.length]!;
  doc.updatedAt = 1_736_933_400_000 + i * 1000;
  if (doc.message) doc.message.body = `${doc.message.body} (order ${i}, ref ${(i * 7919) % 100_003})`;
  doc.revision = 1;
  return doc;
}

const ticketId = (i: number) => `bench-org-${i % ORGS}:T-${i}`;

async function ensureDataSet(db: Db, server: Server): Promise<{ builtSeconds: number | null }> {
  const meta = db.collection<{ _id: string; tickets: number; shape: number }>('bench_meta');
  const recorded = await meta.findOne({ _id: COLLECTION });
  if (recorded?.tickets === TICKETS && recorded.shape === SHAPE) {
    // New tickets of an interrupted earlier run; a failure here is reported, not fatal.
    await db
      .collection(COLLECTION)
      .deleteMany({ benchRun: { $exists: true } })
      .catch((error: Error) => console.log(`  removing an earlier run's new tickets failed: ${error.message}`));
    return { builtSeconds: null };
  }

  console.log(`  building the data set on ${server.name}: ${TICKETS.toLocaleString('en-US')} tickets`);
  await meta.deleteOne({ _id: COLLECTION });
  await db
    .collection(COLLECTION)
    .drop()
    .catch(() => undefined);
  const tickets = db.collection<TicketDocument>(COLLECTION);
  // The compare-and-set's filter {_id, revision} is then served by an index on mongo-java-server, which uses an
  // index only when the filter's keys are exactly the index's; real MongoDB and FerretDB use _id.
  await tickets.createIndex({ _id: 1, revision: 1 }, { unique: true, name: 'id_revision' });
  const started = Date.now();
  const chunk = 1000;
  for (let from = 0; from < TICKETS; from += chunk) {
    const docs = Array.from({ length: Math.min(chunk, TICKETS - from) }, (_, k) => ticket(from + k));
    await tickets.insertMany(docs, { ordered: false });
    if ((from + chunk) % 20_000 === 0) {
      const rate = (from + chunk) / ((Date.now() - started) / 1000);
      console.log(`    ${(from + chunk).toLocaleString('en-US')} (${round(rate)}/s)`);
    }
  }
  const builtSeconds = (Date.now() - started) / 1000;
  await meta.insertOne({ _id: COLLECTION, tickets: TICKETS, shape: SHAPE });
  return { builtSeconds };
}

// ---- the patterns ----

interface PatternResult {
  pattern: string;
  server: string;
  ops: number;
  seconds: number;
  opsPerSec: number;
  ticketsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuSeconds: number;
  serverCpuMsPerTicket: number;
  error?: string;
}

/** What the patterns work on: one server's data set, and the revision of every ticket in it. */
interface Target {
  server: Server;
  tickets: Collection<TicketDocument>;
  /** Kept current by every compare-and-set, as the sink knows each ticket's revision from its read. */
  revisions: Map<string, number>;
  /** When the operation under way must give up; checked between the commands of one operation. */
  deadline: number;
}

function checkDeadline(target: Target, progress: string): void {
  if (Date.now() > target.deadline) {
    throw new Error(`one operation took longer than ${OP_TIMEOUT_MS / 1000} s (${progress} by then)`);
  }
}

interface Pattern {
  name: string;
  /** The name in the table, when a server needs the pattern run differently. */
  label?: (server: Server) => string;
  /** Tickets one operation reads or writes. */
  ticketsPerOp: number;
  /** Work outside the measurement before each operation. */
  prepare?: (target: Target) => unknown;
  run: (target: Target, prepared: unknown) => Promise<void>;
  /** Undoes what the measured operations left, outside the measurement. */
  cleanUp?: (target: Target) => Promise<void>;
}

const randomIndex = () => Math.floor(Math.random() * TICKETS);
function randomIds(n: number): string[] {
  const ids = new Set<string>();
  while (ids.size < n) ids.add(ticketId(randomIndex()));
  return [...ids];
}

let insertedSerial = 0;
let eventSerial = 0;
const runTag = Date.now().toString(36);

const PATTERNS: Pattern[] = [
  {
    name: `(a) find {_id: {$in: ${BATCH} ids}}`,
    ticketsPerOp: BATCH,
    async run({ tickets }) {
      const found = await tickets.find({ _id: { $in: randomIds(BATCH) } }).toArray();
      if (found.length !== BATCH) throw new Error(`find $in returned ${found.length} of ${BATCH} tickets`);
    },
  },
  {
    name: `(a, by id) ${BATCH} × findOne {_id}, one after another`,
    ticketsPerOp: BATCH,
    async run(target) {
      const ids = randomIds(BATCH);
      for (const [done, _id] of ids.entries()) {
        checkDeadline(target, `${done} of ${BATCH} found`);
        if (!(await target.tickets.findOne({ _id }))) throw new Error(`findOne missed the stored ticket ${_id}`);
      }
    },
  },
  {
    name: '(b) compare-and-set updates',
    label: (server) =>
      server.maxUpdatesPerCommand < BATCH
        ? `(b) ${Math.ceil(BATCH / server.maxUpdatesPerCommand)} unordered bulkWrites of ≤ ${server.maxUpdatesPerCommand} updateOne {_id, revision} (${BATCH} tickets) → $set changed fields, revision+1`
        : `(b) unordered bulkWrite of ${BATCH} updateOne {_id, revision} → $set changed fields, revision+1`,
    ticketsPerOp: BATCH,
    prepare: () => randomIds(BATCH),
    async run(target, prepared) {
      const { server, tickets, revisions } = target;
      const ids = prepared as string[];
      const now = Date.now();
      const ops: AnyBulkWriteOperation<TicketDocument>[] = ids.map((_id, k) => {
        const revision = revisions.get(_id)!;
        return {
          updateOne: {
            filter: { _id, revision },
            update: {
              $set: {
                status: STATUSES[(revision + k) % STATUSES.length]!,
                assignee: `agent-${k % 40}`,
                updatedAt: now,
                'writtenAt.status': now,
                'writtenAt.assignee': now,
                revision: revision + 1,
              },
            },
          },
        };
      });
      const chunk = Math.min(ops.length, server.maxUpdatesPerCommand);
      for (let from = 0; from < ops.length; from += chunk) {
        checkDeadline(target, `${from} of ${ops.length} updated`);
        const part = ops.slice(from, from + chunk);
        const result = await tickets.bulkWrite(part, { ordered: false });
        if (result.matchedCount !== part.length || result.modifiedCount !== part.length) {
          throw new Error(
            `bulkWrite matched ${result.matchedCount}, modified ${result.modifiedCount} of ${part.length}`,
          );
        }
      }
      for (const _id of ids) revisions.set(_id, revisions.get(_id)! + 1);
    },
  },
  {
    name: `(c) unordered insertMany of ${BATCH} new tickets`,
    ticketsPerOp: BATCH,
    prepare: () =>
      Array.from({ length: BATCH }, () => ({ ...ticket(TICKETS + insertedSerial++, `N${runTag}`), benchRun: runTag })),
    async run({ tickets }, prepared) {
      const docs = prepared as TicketDocument[];
      const result = await tickets.insertMany(docs, { ordered: false });
      if (result.insertedCount !== docs.length) throw new Error(`inserted ${result.insertedCount} of ${docs.length}`);
    },
    // One pass over the collection on both servers; deleting by _id lists would scan once per list on FerretDB.
    async cleanUp({ tickets }) {
      await tickets.deleteMany({ benchRun: runTag } as object);
    },
  },
  {
    name: 'before, per event: findOne {_id}, then updateOne {_id, revision, appliedEventIds: {$ne}} (one event)',
    ticketsPerOp: 1,
    async run({ tickets, revisions }) {
      const _id = ticketId(randomIndex());
      const current = await tickets.findOne({ _id });
      if (!current) throw new Error(`ticket ${_id} is missing`);
      const eventId = `bench-${runTag}-${eventSerial++}`;
      const result = await tickets.updateOne(
        { _id, revision: current.revision, appliedEventIds: { $ne: eventId } },
        {
          $set: {
            status: STATUSES[current.revision % STATUSES.length]!,
            updatedAt: Date.now(),
            revision: current.revision + 1,
          },
          $addToSet: { appliedEventIds: eventId },
        },
      );
      if (result.modifiedCount !== 1) throw new Error(`compare-and-set of ${_id} modified ${result.modifiedCount}`);
      revisions.set(_id, current.revision + 1);
    },
  },
];

/**
 * Every ticket's revision, read once: earlier runs' updates moved them on. One pass over the collection, tried
 * again when it fails: on mongo-java-server a scan of 100,000 tickets has failed now and then with H2's
 * "Chunk … not found" (and passed when repeated), which is itself a finding, so it is printed.
 */
async function readRevisions(tickets: Collection<TicketDocument>): Promise<Map<string, number>> {
  for (let attempt = 1; ; attempt++) {
    const revisions = new Map<string, number>();
    try {
      for await (const t of tickets.find({}, { projection: { _id: 1, revision: 1 }, batchSize: 5000 })) {
        revisions.set(t._id, t.revision);
      }
      return revisions;
    } catch (error) {
      console.log(`  reading every ticket's revision failed (attempt ${attempt}): ${(error as Error).message}`);
      if (attempt === 3) throw error;
    }
  }
}

async function measure(target: Target, pattern: Pattern): Promise<PatternResult> {
  const { server } = target;
  const base = { pattern: pattern.label?.(server) ?? pattern.name, server: server.name };
  const groups = server.processGroups();
  const latencies: number[] = [];
  let busySeconds = 0;
  let cpu = 0;
  let cpuAtStart = 0;
  try {
    // One unmeasured operation first: connections, caches and the JIT warm up.
    target.deadline = Date.now() + OP_TIMEOUT_MS;
    cpuAtStart = cpuSeconds(groups);
    await pattern.run(target, pattern.prepare?.(target));
    const deadline = Date.now() + SECONDS * 1000;
    while (Date.now() < deadline) {
      const prepared = pattern.prepare?.(target);
      target.deadline = Date.now() + OP_TIMEOUT_MS;
      cpuAtStart = cpuSeconds(groups);
      const started = performance.now();
      await pattern.run(target, prepared);
      const elapsed = performance.now() - started;
      cpu += cpuSeconds(groups) - cpuAtStart;
      latencies.push(elapsed);
      busySeconds += elapsed / 1000;
    }
  } catch (error) {
    // What the server spent on the operation that failed counts too: that is the cost it could not finish.
    cpu += cpuSeconds(groups) - cpuAtStart;
    return {
      ...base,
      ops: latencies.length,
      seconds: busySeconds,
      opsPerSec: NaN,
      ticketsPerSec: NaN,
      p50Ms: NaN,
      p99Ms: NaN,
      serverCpuSeconds: cpu,
      serverCpuMsPerTicket: NaN,
      error:
        error instanceof MongoNetworkTimeoutError
          ? `no answer to one command within ${OP_TIMEOUT_MS / 1000} s`
          : (error as Error).message.split('\n')[0]!.slice(0, 300),
    };
  } finally {
    await pattern.cleanUp?.(target).catch((error: Error) => {
      console.log(`  cleaning up after ${base.pattern} failed: ${error.message}`);
    });
  }
  latencies.sort((a, b) => a - b);
  const opsPerSec = latencies.length / busySeconds;
  return {
    ...base,
    ops: latencies.length,
    seconds: busySeconds,
    opsPerSec,
    ticketsPerSec: opsPerSec * pattern.ticketsPerOp,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    serverCpuSeconds: cpu,
    serverCpuMsPerTicket: (cpu * 1000) / (latencies.length * pattern.ticketsPerOp),
  };
}

// ---- main ----

const chosen = values.servers.split(',').map((name) => {
  const server = SERVERS[name.trim()];
  if (!server) throw new Error(`--servers: unknown server ${name}; known: ${Object.keys(SERVERS).join(', ')}`);
  return server;
});

const results: PatternResult[] = [];
const dataSets: { server: string; tickets: number; builtSeconds: number | null; storedMB: number }[] = [];
for (const server of chosen) {
  console.log(`${server.name} at ${server.url}`);
  const options = { directConnection: true, serverSelectionTimeoutMS: 5000, appName: 'ticketflow-bench-mongo-wire' };
  const client = new MongoClient(server.url, options);
  // A command without an answer for that long is abandoned; closing its connection ends it on the server too.
  const measuring = new MongoClient(server.url, { ...options, socketTimeoutMS: OP_TIMEOUT_MS });
  try {
    const db = client.db(DATABASE);
    const { builtSeconds } = await ensureDataSet(db, server);
    const revisions = await readRevisions(db.collection<TicketDocument>(COLLECTION));
    const tickets = measuring.db(DATABASE).collection<TicketDocument>(COLLECTION);
    const target: Target = { server, tickets, revisions, deadline: 0 };
    if (target.revisions.size < TICKETS) throw new Error(`${server.name}: the data set lost tickets`);
    for (const pattern of PATTERNS) {
      const result = await measure(target, pattern);
      console.log(
        `  ${result.pattern}: ${result.error ? `FAILED: ${result.error}` : `${round(result.opsPerSec, 1)} ops/s, p50 ${round(result.p50Ms, 1)} ms`}`,
      );
      results.push(result);
    }
    dataSets.push({
      server: server.name,
      tickets: revisions.size,
      builtSeconds,
      storedMB: (await server.storedBytes()) / 1e6,
    });
  } finally {
    await Promise.all([client.close(), measuring.close()]);
  }
}

console.log(
  `\n${markdownTable(
    ['pattern', 'server', 'ops/s', 'tickets/s', 'p50 ms', 'p99 ms', 'server CPU s', 'server CPU ms/ticket'],
    results.map((r) =>
      r.error
        ? [r.pattern, r.server, `failed: ${r.error}`, '-', '-', '-', round(r.serverCpuSeconds, 1), '-']
        : [
            r.pattern,
            r.server,
            round(r.opsPerSec, 1),
            round(r.ticketsPerSec),
            round(r.p50Ms, 1),
            round(r.p99Ms, 1),
            round(r.serverCpuSeconds, 1),
            round(r.serverCpuMsPerTicket, 2),
          ],
    ),
  )}\n`,
);
for (const d of dataSets) {
  const built = d.builtSeconds === null ? 'reused' : `built in ${round(d.builtSeconds)} s`;
  console.log(
    `${d.server}: ${d.tickets.toLocaleString('en-US')} tickets (${built}); ` +
      `${round(d.storedMB)} MB on disk for all its data, other data sets included`,
  );
}
console.log(
  `Each operation ran back to back for ${SECONDS} s on one connection; ${BATCH} tickets per batch; documents of ` +
    `about ${round(JSON.stringify(template).length / 1000, 1)} KB.`,
);
if (values.json) {
  writeFileSync(values.json, `${JSON.stringify({ tickets: TICKETS, batch: BATCH, dataSets, results }, null, 2)}\n`);
}
