/**
 * The real processing chain under load: HTTP ingest → enrich → classify → retrieve → respond → route, each a
 * process started from its own main and wired from the topology to the shared tf.interactions.*.v1 topics and
 * tf.<stage> groups, as deployed. The interactions belong to a throwaway org with its own ingest key and
 * knowledge base, so whatever else is on those topics never counts, and are matched on the routed topic by
 * conversation id. `loadtest/full-chain.ts` puts the figures beside the Kafka ceiling.
 *
 * Other processes may be members of the same groups (the stack's own apps after `stack up --apps`, a test).
 * Records are keyed by org, so each stage's share of the work falls to whichever member holds the org's
 * partition; the result names that member for every hop.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@elastic/elasticsearch';
import { AssignerProtocol, Partitioners } from 'kafkajs';
import { loadConfig, type Config } from '../config/index.js';
import { freePort, waitUntilOk } from '../ops/net.js';
import { INGEST_APP, STAGE_APPS, type AppSpec } from '../ops/stack/apps.js';
import { HEADER, headerString } from '../processors/runtime/headers.js';
import { consumerBinding } from '../topics/lookup.js';
import { ticketflow } from '../topics/topology.js';
import { codec, kafka, spawnApp, startGroupAtEnd } from '../processors/testing/kafka-kit.js';
import { eventCatalog, type RoutingDecided } from '../schemas/index.js';
import { createBenchOrg, removeBenchOrg } from './bench-org.js';
import { percentile } from './stats.js';

export interface RealChainOptions {
  /** Interactions per second of the steady phase, which lasts `seconds`. */
  rate: number;
  seconds: number;
  /** Interactions posted as fast as `concurrency` connections go: the chain's maximum throughput. */
  burst: number;
  concurrency: number;
  /** Interactions that must come out routed before anything is measured. */
  warmup: number;
  log?: (line: string) => void;
}

export interface HopResult {
  /** `ingest` is POST → InteractionReceived read back; every other hop is that stage's input → output. */
  name: string;
  p50Ms: number;
  p99Ms: number;
  /** `benchmark`, or the client id of another group member that held the org's partition at the phase's end. */
  handledBy: string;
  /** CPU (user + system) of the benchmark's process per routed interaction; NaN if another member did the hop. */
  cpuMsPerInteraction: number;
}

export interface PhaseResult {
  posted: number;
  routed: number;
  /** Answers other than 202, by status (0: no answer). */
  refused: Record<number, number>;
  deadLettered: Record<string, number>;
  /** From the first POST to the last routing decision read. */
  seconds: number;
  routedPerSec: number;
  /** POST sent → RoutingDecided read from the routed topic. */
  p50Ms: number;
  p99Ms: number;
  /** Share of drafts citing the org's knowledge base: whether retrieval found passages. */
  citedShare: number;
  hops: HopResult[];
}

export interface RealChainResult {
  orgId: string;
  /** Per stage, how many members of its group were not the benchmark's. */
  otherMembers: Record<string, number>;
  steady: PhaseResult & { rate: number };
  burst: PhaseResult;
}

/** Written for this benchmark: what customers of a retail bank write to support, in chat and by email. */
const MESSAGES: ReadonlyArray<{ channel: 'CHAT' | 'EMAIL'; subject?: string; body: string }> = [
  { channel: 'CHAT', body: 'I think I lost my debit card on the bus this morning, can you block it please?' },
  { channel: 'CHAT', body: 'My card was stolen from my bag an hour ago. How do I freeze it and get a new one?' },
  { channel: 'CHAT', body: 'I ordered a new card two weeks ago and it still has not arrived. When will it come?' },
  { channel: 'CHAT', body: 'The cash machine on Station Road kept my card. What should I do now?' },
  { channel: 'CHAT', body: 'I tried to take out 100 pounds but the ATM gave me nothing and my balance went down.' },
  { channel: 'CHAT', body: 'I typed the wrong PIN three times and now my card is blocked. How can I unblock it?' },
  { channel: 'CHAT', body: 'My card payment at the supermarket was declined even though I have money in my account.' },
  { channel: 'CHAT', body: 'Contactless stopped working on my card, I have to put it in the reader every time now.' },
  { channel: 'CHAT', body: 'I sent 250 euros to my landlord on Monday and he still has not received it.' },
  { channel: 'CHAT', body: 'My bank transfer has been pending for three days. Is something wrong with it?' },
  {
    channel: 'CHAT',
    body: 'Why was I charged a fee for a transfer? I thought transfers within the country were free.',
  },
  { channel: 'CHAT', body: 'I was charged twice for the same order at an online shop. Can you refund one of them?' },
  { channel: 'CHAT', body: 'There is a payment on my statement I do not recognise, 39.99 to a streaming service.' },
  { channel: 'CHAT', body: 'The shop says it refunded me last week but the money is still not in my account.' },
  { channel: 'CHAT', body: 'What exchange rate do you use when I pay in dollars with my card abroad?' },
  { channel: 'CHAT', body: 'I was charged extra when paying in euros in Spain. Why was there a fee on that payment?' },
  { channel: 'CHAT', body: 'I tried to top up my account with my credit card but the top up failed twice.' },
  { channel: 'CHAT', body: 'I topped up by bank transfer yesterday morning and my balance has not changed yet.' },
  { channel: 'CHAT', body: 'Your app keeps asking me to verify my identity but it does not accept my passport photo.' },
  { channel: 'CHAT', body: 'I forgot my password and the reset email never arrives. I checked the spam folder too.' },
  { channel: 'CHAT', body: 'How do I change the phone number on my account? My old number +44 7700 900123 is gone.' },
  { channel: 'CHAT', body: 'I moved house last month, how can I update my address before my new card is sent?' },
  { channel: 'CHAT', body: 'Can I get a virtual card for online shopping so I do not have to use my physical card?' },
  { channel: 'CHAT', body: 'My salary was supposed to arrive today and it is not there. Are payments delayed?' },
  { channel: 'CHAT', body: 'I want to cancel a direct debit to my old gym, they keep taking money every month.' },
  {
    channel: 'EMAIL',
    subject: 'Card not working abroad',
    body: 'Hello, I am travelling in Portugal and my card has been declined in every shop since I arrived. I have enough money in the account. Please help, I have no other way to pay. Kind regards, Maria',
  },
  {
    channel: 'EMAIL',
    subject: 'Duplicate charge',
    body: 'Dear support team, on 3 March I paid 84.50 for a hotel and the amount was taken twice from my account ending 4421. Please return the second payment as soon as possible. Thank you, Tom',
  },
  {
    channel: 'EMAIL',
    subject: 'Transfer to wrong account',
    body: 'Hi, I made a transfer of 1,200 pounds this morning and I think I typed one digit of the account number wrong. Can you stop or recall the payment? It is urgent. Thanks, Priya',
  },
  {
    channel: 'EMAIL',
    subject: 'Refund still missing',
    body: 'Good afternoon, I returned a jacket to an online store three weeks ago and they confirmed the refund, but nothing has appeared on my card. How long do refunds normally take? Best, Jonas',
  },
  {
    channel: 'EMAIL',
    subject: 'Close my account',
    body: 'Hello, I would like to close my account and move the remaining balance to my account at another bank. What do I need to do and will there be any fees? Regards, Ahmed',
  },
];

const STAGES = STAGE_APPS.map((app) => {
  const binding = consumerBinding(ticketflow, app.name);
  const wiring = {
    groupId: binding.groupId,
    inputTopics: binding.inputs.map((t) => t.name),
    outputTopic: binding.outputs[0]?.name,
    deadLetterTopic: binding.deadLetter.name,
  };
  return { ...app, wiring };
});

/** Client id of the benchmark's processes (the runtime appends the stage name), so they can be told apart. */
const CLIENT_ID = 'ticketflow-bench';
const OURS = 'benchmark';

/** The hop topics in chain order: received first, then each stage's output, routed last. */
function hopTopics(): string[] {
  const hops = [STAGES[0]!.wiring.inputTopics[0]!];
  for (const [i, { name, wiring }] of STAGES.entries()) {
    if (!wiring.inputTopics.includes(hops[i]!)) throw new Error(`${name} does not read ${hops[i]}`);
    hops.push(wiring.outputTopic!);
  }
  return hops;
}

/** /proc counts CPU in USER_HZ, which Linux fixes at 100 whatever the kernel's own tick rate. */
const USER_HZ = 100;

/** CPU time (user + system) a process has used so far, in ms; NaN where /proc is not available. */
function cpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
  } catch {
    return NaN;
  }
}

interface Service {
  name: string;
  child: ChildProcess;
}

/**
 * Output is kept, not shown: joining shared groups makes kafkajs log every rebalance even at LOG_LEVEL=warn.
 * An exit before we stop the process fails the run with its last lines instead of leaving it to time out.
 */
function startService(app: AppSpec, env: Record<string, string>, onExit: (e: Error) => void): Service {
  const ours = { KAFKA_CLIENT_ID: CLIENT_ID, PROCESSOR_INSTANCE_ID: `${CLIENT_ID}-${app.name}` };
  return { name: app.name, child: spawnApp(app, { ...ours, ...env }, onExit) };
}

async function stopService({ child }: Service): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  // The processes finish their batches within SHUTDOWN_DEADLINE_MS (20 s); past that they are stuck.
  const stuck = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(stuck);
}

interface StageGroup {
  name: string;
  state: string | undefined;
  members: Array<{ clientId: string; partitions: number[] }>;
  /** Where a record keyed by this org lands in the stage's input topic, as every producer puts it. */
  partitionOf(orgId: string): number;
}

async function describeStageGroups(): Promise<StageGroup[]> {
  const inputs = STAGES.map((s) => s.wiring.inputTopics[0]!);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [{ groups }, { topics }] = await Promise.all([
      admin.describeGroups(STAGES.map((s) => s.wiring.groupId)),
      admin.fetchTopicMetadata({ topics: inputs }),
    ]);
    const partitioner = Partitioners.DefaultPartitioner();
    return STAGES.map(({ name, wiring }, i) => {
      const group = groups.find((g) => g.groupId === wiring.groupId);
      const partitionMetadata = topics.find((t) => t.name === inputs[i])!.partitions;
      return {
        name,
        state: group?.state,
        members: (group?.members ?? []).map((m) => ({
          clientId: m.clientId,
          partitions: AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[inputs[i]!] ?? [],
        })),
        partitionOf: (orgId) =>
          partitioner({ topic: inputs[i]!, partitionMetadata, message: { key: orgId, value: null } }),
      };
    });
  } finally {
    await admin.disconnect();
  }
}

/** `benchmark` when one of our processes holds the org's partition of the stage's input, else the holder's id. */
function holderOf(group: StageGroup, orgId: string): string {
  const partition = group.partitionOf(orgId);
  const holder = group.members.find((m) => m.partitions.includes(partition));
  if (!holder) return 'nobody';
  return holder.clientId.startsWith(`${CLIENT_ID}-`) ? OURS : holder.clientId;
}

/**
 * Stages have no fixed probe port to ask (PROBE_PORT=0); they are ready once each group is stable with the
 * benchmark's member in it.
 */
async function untilJoined(timeoutMs: number): Promise<StageGroup[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const groups = await describeStageGroups();
    const joined = groups.every(
      (g) => g.state === 'Stable' && g.members.some((m) => m.clientId === `${CLIENT_ID}-${g.name}`),
    );
    if (joined) return groups;
    if (Date.now() > deadline) throw new Error(`stage groups not stable with our members within ${timeoutMs} ms`);
    await sleep(500);
  }
}

/**
 * Records are keyed by org, so each stage's work for an org falls to the member holding the org's partition.
 * When other processes share the groups (the stack's apps after `stack up --apps`, a test), an org id is drawn
 * whose partitions our processes hold at as many stages as possible, so the processes measured do the work.
 */
function pickOrgId(groups: StageGroup[]): { orgId: string; held: number } {
  let best = { orgId: '', held: -1 };
  for (let i = 0; i < 1000 && best.held < groups.length; i++) {
    const orgId = `bench-chain-${randomUUID().slice(0, 8)}`;
    const held = groups.filter((g) => holderOf(g, orgId) === OURS).length;
    if (held > best.held) best = { orgId, held };
  }
  return best;
}

interface Watch {
  /** Per hop topic: conversation → when its event was read (performance.now()). */
  arrivals: Map<string, number>[];
  cited: Set<string>;
  /** Conversation → stage that dead-lettered it. */
  deadLettered: Map<string, string>;
  stop(): Promise<void>;
}

/**
 * Reads every hop and dead-letter topic from its current end in a fresh group. Only the routed topic is decoded
 * (conversation id, citations); the hops before it are matched by the tf-correlation-id header, which ingest
 * sets from our X-Correlation-Id (the conversation id) and every stage copies, so watching costs little of the
 * CPU the chain shares with it.
 */
async function watchChain(orgId: string, hops: string[]): Promise<Watch> {
  const groupId = `bench.full-chain.${randomUUID()}`;
  const topics = [...hops, ...STAGES.map((s) => s.wiring.deadLetterTopic)];
  for (const topic of topics) await startGroupAtEnd(groupId, topic);
  const routedTopic = hops.at(-1)!;
  const routedSchema = eventCatalog().get('RoutingDecided').schema;
  const consumer = kafka.consumer({ groupId });
  const watch: Watch = {
    arrivals: hops.map(() => new Map()),
    cited: new Set(),
    deadLettered: new Map(),
    async stop() {
      await consumer.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    },
  };
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      if (message.key?.toString() !== orgId) return;
      const at = performance.now();
      let conversation = headerString(message.headers, HEADER.correlationId) ?? '';
      if (topic === routedTopic) {
        const event = await codec.decode<RoutingDecided>(message.value, routedSchema);
        conversation = event.meta.conversationId;
        if (event.draft.citations.length > 0) watch.cited.add(conversation);
      }
      const hop = hops.indexOf(topic);
      if (hop < 0) watch.deadLettered.set(conversation, headerString(message.headers, HEADER.stage) ?? topic);
      // At-least-once delivery may repeat an event; the first copy is when it arrived.
      else if (!watch.arrivals[hop]!.has(conversation)) watch.arrivals[hop]!.set(conversation, at);
    },
  });
  return watch;
}

interface Poster {
  sentAt: Map<string, number>;
  refused: Map<string, number>;
  post(conversationId: string, n: number): Promise<void>;
  close(): void;
}

function poster(base: URL, key: string, concurrency: number): Poster {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const sentAt = new Map<string, number>();
  const refused = new Map<string, number>();
  return {
    sentAt,
    refused,
    close: () => agent.destroy(),
    post(conversationId, n) {
      const message = MESSAGES[n % MESSAGES.length]!;
      const body = JSON.stringify({
        conversationId,
        channel: message.channel,
        customer: { customerId: `customer-${n % 500}` },
        ...(message.subject ? { subject: message.subject } : {}),
        body: message.body,
        localeHint: 'en-GB',
      });
      const headers = {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'x-correlation-id': conversationId,
      };
      return new Promise((resolve) => {
        const done = (status: number) => {
          if (status !== 202) refused.set(conversationId, status);
          resolve();
        };
        sentAt.set(conversationId, performance.now());
        const request = http.request(
          { agent, host: base.hostname, port: base.port, path: '/v1/interactions', method: 'POST', headers },
          (response) => {
            response.resume();
            response.on('end', () => done(response.statusCode ?? 0));
          },
        );
        request.on('error', () => done(0));
        request.end(body);
      });
    },
  };
}

interface Run {
  orgId: string;
  poster: Poster;
  watch: Watch;
  /** Ingest first, then the stages in chain order: one per hop. */
  services: Service[];
  log: (line: string) => void;
  /** Set when a process dies or we are interrupted: every loop gives up at its next turn. */
  failure?: Error;
}

const check = (run: Run) => {
  if (run.failure) throw run.failure;
};

/** Open loop: each POST leaves at its scheduled time whether or not earlier ones were answered. */
async function postAtRate(run: Run, ids: string[], rate: number): Promise<void> {
  const started = performance.now();
  const answers: Promise<void>[] = [];
  for (const [i, id] of ids.entries()) {
    check(run);
    const wait = started + (i / rate) * 1000 - performance.now();
    if (wait > 1) await sleep(wait);
    answers.push(run.poster.post(id, i));
  }
  await Promise.all(answers);
}

async function postAsFastAsPossible(run: Run, ids: string[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      check(run);
      const i = next++;
      await run.poster.post(ids[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function progress(run: Run, ids: string[]): string {
  const count = (has: (id: string) => boolean) => ids.filter(has).length;
  const posted = count((id) => run.poster.sentAt.has(id));
  const routed = count((id) => run.watch.arrivals.at(-1)!.has(id));
  const lost = count((id) => run.poster.refused.has(id) || run.watch.deadLettered.has(id));
  return `${posted}/${ids.length} posted, ${routed}/${ids.length} routed${lost ? `, ${lost} refused or dead-lettered` : ''}`;
}

/** Until every accepted interaction is routed or dead-lettered; fails when nothing moves for `stallMs`. */
async function untilRouted(run: Run, ids: string[], stallMs: number): Promise<void> {
  const settled = () =>
    ids.filter(
      (id) => run.watch.arrivals.at(-1)!.has(id) || run.poster.refused.has(id) || run.watch.deadLettered.has(id),
    ).length;
  let last = settled();
  let movedAt = performance.now();
  while (last < ids.length) {
    check(run);
    await sleep(100);
    const now = settled();
    if (now !== last) [last, movedAt] = [now, performance.now()];
    if (performance.now() - movedAt > stallMs) {
      const perHop = run.watch.arrivals.map((seen) => ids.filter((id) => seen.has(id)).length).join(' → ');
      throw new Error(`chain stalled for ${stallMs / 1000} s: ${progress(run, ids)}; per hop ${perHop}`);
    }
  }
}

async function phase(
  run: Run,
  label: string,
  ids: string[],
  send: () => Promise<void>,
  stallMs = 60_000,
): Promise<PhaseResult> {
  const cpuBefore = run.services.map((s) => cpuMs(s.child.pid));
  const ticker = setInterval(() => run.log(`${label}: ${progress(run, ids)}`), 2000);
  try {
    await send();
    await untilRouted(run, ids, stallMs);
  } finally {
    clearInterval(ticker);
  }
  run.log(`${label}: ${progress(run, ids)}`);
  const cpuUsed = run.services.map((s, i) => cpuMs(s.child.pid) - cpuBefore[i]!);
  const handledBy = [OURS, ...(await describeStageGroups()).map((g) => holderOf(g, run.orgId))];

  const { sentAt, refused } = run.poster;
  const { arrivals, deadLettered, cited } = run.watch;
  const routedAt = arrivals.at(-1)!;
  const routed = ids.filter((id) => routedAt.has(id));
  const ascending = (values: number[]) => values.sort((a, b) => a - b);
  const latencies = ascending(routed.map((id) => routedAt.get(id)! - sentAt.get(id)!));
  const firstSent = Math.min(...ids.map((id) => sentAt.get(id)!));
  const seconds = (Math.max(...routed.map((id) => routedAt.get(id)!)) - firstSent) / 1000;
  const countBy = <K extends string | number>(values: K[]) =>
    values.reduce((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {} as Record<K, number>);
  return {
    posted: ids.length,
    routed: routed.length,
    refused: countBy(ids.flatMap((id) => (refused.has(id) ? [refused.get(id)!] : []))),
    deadLettered: countBy(ids.flatMap((id) => (deadLettered.has(id) ? [deadLettered.get(id)!] : []))),
    seconds,
    routedPerSec: routed.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    citedShare: routed.filter((id) => cited.has(id)).length / routed.length,
    hops: ['ingest', ...STAGES.map((s) => s.name)].map((name, hop) => {
      const before = hop === 0 ? sentAt : arrivals[hop - 1]!;
      const after = arrivals[hop]!;
      const hopMs = ascending(
        routed.filter((id) => before.has(id) && after.has(id)).map((id) => after.get(id)! - before.get(id)!),
      );
      return {
        name,
        p50Ms: percentile(hopMs, 50),
        p99Ms: percentile(hopMs, 99),
        handledBy: handledBy[hop]!,
        cpuMsPerInteraction: handledBy[hop] === OURS ? cpuUsed[hop]! / routed.length : NaN,
      };
    }),
  };
}

export async function runRealChain(options: RealChainOptions, config: Config = loadConfig()): Promise<RealChainResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const es = new Client({ node: config.elasticsearch.url, requestTimeout: 30_000 });
  const services: Service[] = [];
  const run: Partial<Run> & Pick<Run, 'services' | 'log'> = { services, log };
  const fail = (error: Error) => (run.failure ??= error);
  const interrupted = (signal: string) => fail(new Error(`interrupted by ${signal}`));
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    const port = await freePort();
    services.push(startService(INGEST_APP, { INGEST_PORT: String(port) }, fail));
    for (const stage of STAGES) services.push(startService(stage, {}, fail));
    const base = new URL(`http://127.0.0.1:${port}`);
    await waitUntilOk(`${base.origin}/readyz`, 90_000);
    const groups = await untilJoined(120_000);
    const otherMembers = Object.fromEntries(groups.map((g) => [g.name, g.members.length - 1]));
    const { orgId, held } = pickOrgId(groups);
    run.orgId = orgId;
    if (groups.some((g) => g.members.length > 1)) {
      log(
        `groups shared with other members (${groups.map((g) => `${g.name} +${g.members.length - 1}`).join(', ')}); ` +
          `our processes hold ${orgId}'s partition at ${held} of ${groups.length} stages`,
      );
    }

    const { key, articles, chunks } = await createBenchOrg(config, es, orgId);
    log(`org ${orgId}: ingest key and ${articles} knowledge-base articles (${chunks} chunks)`);
    run.watch = await watchChain(orgId, hopTopics());
    run.poster = poster(base, key, options.concurrency);
    const ready = run as Run;

    // Until the JIT, connections and schema caches have settled, latencies say nothing about the steady state.
    log(`ingest and ${STAGES.length} stages in their groups; warming up with ${options.warmup} interactions`);
    const warm = Array.from({ length: options.warmup }, (_, i) => `warmup-${i}`);
    await phase(ready, 'warm-up', warm, () => postAtRate(ready, warm, 20), 120_000);

    const steadyIds = Array.from({ length: options.rate * options.seconds }, (_, i) => `steady-${i}`);
    log(`steady: ${options.rate} interactions/s for ${options.seconds} s`);
    const steady = await phase(ready, 'steady', steadyIds, () => postAtRate(ready, steadyIds, options.rate));

    const burstIds = Array.from({ length: options.burst }, (_, i) => `burst-${i}`);
    log(`burst: ${options.burst} interactions over ${options.concurrency} connections`);
    const burst = await phase(ready, 'burst', burstIds, () =>
      postAsFastAsPossible(ready, burstIds, options.concurrency),
    );
    return { orgId, otherMembers, steady: { ...steady, rate: options.rate }, burst };
  } finally {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    run.failure ??= new Error('stopping');
    run.poster?.close();
    await Promise.all(services.map(stopService));
    await run.watch?.stop();
    if (run.orgId) {
      log(`removing ${run.orgId} and what the pipeline wrote for it`);
      await removeBenchOrg(config, es, run.orgId, log).catch((error: unknown) =>
        log(`cleanup failed: ${String(error)}`),
      );
    }
    await es.close();
  }
}
