/**
 * `ticketflow dlq redrive`: re-produces selected dead letters to the topic they came from (`tf-original-topic`)
 * with their key, value and headers and `tf-redrive-count` incremented, at a bounded rate. A record redriven
 * `--max-redrives` times already is refused, so one that keeps failing cannot loop. What was redriven is
 * committed in the group `tf.redrive.<dlq topic>` (see dead-letters.ts), so a second redrive does not repeat it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Partitioners, type Admin, type IHeaders, type Kafka, type Producer } from 'kafkajs';
import { ticketflow } from '../../topics/topology.js';
import { EXIT, line, parseOptions, UsageError, type Io } from './command.js';
import { committedOffsets, describeGroup, isLive, topicOffsets, type TopicOffsets } from './consumer-groups.js';
import {
  coordinates,
  decodeRedriven,
  matches,
  REDRIVE_COUNT_HEADER,
  REDRIVE_METADATA_MAX,
  redriveCommit,
  redriveGroup,
  toDeadLetter,
  type DeadLetter,
  type DeadLetterFilter,
} from './dead-letters.js';
import { filterFrom, scanRanges, scopeTopics, size } from './dlq-scan.js';
import { printJson, printTable } from './output.js';
import { withPartitionReader } from './partition-reader.js';
import { Progress } from './progress.js';

const DEFAULT_RATE = 100;
const DEFAULT_MAX_REDRIVES = 3;

export interface RedriveTally {
  topic: string;
  matched: number;
  redriven: number;
  alreadyRedriven: number;
  refusedLimit: number;
  refusedNoOrigin: number;
  deferred: number;
}

interface RedriveRequest {
  readonly filter: DeadLetterFilter;
  readonly ratePerSec: number;
  readonly maxRedrives: number;
  readonly topics: readonly string[] | undefined;
  readonly dryRun: boolean;
  readonly json: boolean;
}

/** What a redrive knows of one dead-letter partition: what it remembered, and what it reads now. */
export interface PartitionMemory {
  /** Everything before it was redriven (or has since been deleted). */
  readonly committed: number;
  /** Offsets at or after `committed` that were redriven. */
  redriven: Set<number>;
}

export type Verdict = 'unmatched' | 'already' | 'at-limit' | 'no-origin' | 'deferred' | 'redrive';

/** What to do with one dead letter; pure, so every reason to refuse is decided in one place. */
export function verdict(
  letter: DeadLetter,
  memory: PartitionMemory,
  filter: DeadLetterFilter,
  maxRedrives: number,
  topicExists: (topic: string) => boolean,
): Verdict {
  if (!matches(letter, filter)) return 'unmatched';
  if (memory.redriven.has(letter.offset)) return 'already';
  if (letter.redriveCount >= maxRedrives) return 'at-limit';
  if (!letter.originalTopic || !topicExists(letter.originalTopic)) return 'no-origin';
  const next = new Set(memory.redriven).add(letter.offset);
  if (redriveCommit(memory.committed, next).metadata.length > REDRIVE_METADATA_MAX) return 'deferred';
  return 'redrive';
}

/** Spaces sends to `ratePerSec`. */
function rateLimiter(ratePerSec: number) {
  const interval = 1000 / ratePerSec;
  let next = Date.now();
  return async () => {
    const now = Date.now();
    if (next > now) await sleep(next - now);
    next = Math.max(next, now) + interval;
  };
}

function parseRequest(argv: string[]): RedriveRequest {
  const { values, positionals } = parseOptions(argv, {
    stage: { type: 'string' },
    'error-class': { type: 'string' },
    since: { type: 'string' },
    rate: { type: 'string', default: String(DEFAULT_RATE) },
    'max-redrives': { type: 'string', default: String(DEFAULT_MAX_REDRIVES) },
    topic: { type: 'string', multiple: true },
    'dry-run': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`, true);
  const ratePerSec = Number(values.rate);
  if (!(ratePerSec >= 1 && ratePerSec <= 100_000)) {
    throw new UsageError(`--rate ${values.rate}: must be a number from 1 to 100000 per second`);
  }
  if (!/^\d+$/.test(values['max-redrives']) || Number(values['max-redrives']) < 1) {
    throw new UsageError(`--max-redrives ${values['max-redrives']}: must be a whole number of at least 1`);
  }
  return {
    filter: filterFrom(values, Date.now()),
    ratePerSec,
    maxRedrives: Number(values['max-redrives']),
    topics: values.topic,
    dryRun: values['dry-run'],
    json: values.json,
  };
}

/** Per partition: what the redrive group remembers, and the range to read (never before the committed offset). */
async function partitionMemories(admin: Admin, group: string, topic: string, since: number | undefined) {
  const remembered = await committedOffsets(admin, group, [topic]);
  const logs = (await topicOffsets(admin, topic)) as TopicOffsets;
  const scan = await scanRanges(admin, [topic], since);
  return new Map(
    scan.map((range) => {
      const low = logs.partitions.find((p) => p.partition === range.partition)?.low ?? 0;
      const c = remembered.find((x) => x.partition === range.partition);
      // --since only narrows what is read now; it never marks the records before it as redriven.
      const committed = Math.max(low, c?.offset ?? low);
      const memory: PartitionMemory = { committed, redriven: decodeRedriven(c?.metadata) };
      return [range.partition, { memory, range: { ...range, from: Math.max(range.from, committed) } }];
    }),
  );
}

interface TopicRun {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly io: Io;
  readonly request: RedriveRequest;
  readonly producer: Producer;
  readonly wait: () => Promise<void>;
  readonly topicExists: (topic: string) => boolean;
  readonly planned: Array<{ record: string; to: string }>;
}

async function redriveTopic(run: TopicRun, topic: string): Promise<RedriveTally> {
  const { request } = run;
  const tally: RedriveTally = {
    topic,
    matched: 0,
    redriven: 0,
    alreadyRedriven: 0,
    refusedLimit: 0,
    refusedNoOrigin: 0,
    deferred: 0,
  };
  const group = redriveGroup(ticketflow.namespace, topic);
  if (!request.dryRun && isLive(await describeGroup(run.admin, group))) {
    throw new UsageError(`another redrive of ${topic} is running (group ${group} has members); wait for it`);
  }
  const partitions = await partitionMemories(run.admin, group, topic, request.filter.since);
  const ranges = [...partitions.values()].map((p) => p.range);
  if (size(ranges) === 0) return tally;
  const progress = new Progress({
    label: `redriving ${topic}`,
    unit: 'records',
    total: size(ranges),
    stream: run.io.stderr,
  });
  const counted: Record<Exclude<Verdict, 'unmatched' | 'redrive'>, keyof RedriveTally> = {
    already: 'alreadyRedriven',
    'at-limit': 'refusedLimit',
    'no-origin': 'refusedNoOrigin',
    deferred: 'deferred',
  };
  await withPartitionReader(
    run.kafka,
    [topic],
    async (reader) => {
      const commit = () =>
        reader.commit(
          [...partitions.entries()].map(([partition, { memory }]) => ({
            topic,
            partition,
            ...redriveCommit(memory.committed, memory.redriven),
          })),
        );
      let sinceCommit = 0;
      await reader.read(ranges, async (record) => {
        progress.increment();
        const letter = toDeadLetter(record);
        const { memory } = partitions.get(record.partition)!;
        const decided = verdict(letter, memory, request.filter, request.maxRedrives, run.topicExists);
        if (decided === 'unmatched') return;
        tally.matched += 1;
        if (decided !== 'redrive') {
          (tally[counted[decided]] as number) += 1;
          return;
        }
        run.planned.push({ record: coordinates(letter), to: letter.originalTopic! });
        tally.redriven += 1;
        if (request.dryRun) return;
        await run.wait();
        const headers: IHeaders = { ...record.headers, [REDRIVE_COUNT_HEADER]: String(letter.redriveCount + 1) };
        await run.producer.send({
          topic: letter.originalTopic!,
          acks: -1,
          messages: [{ key: record.key, value: record.value, headers }],
        });
        memory.redriven.add(record.offset);
        // Remembered every hundred, so an interrupted redrive repeats at most that many when run again.
        if (++sinceCommit >= 100) {
          sinceCommit = 0;
          await commit();
        }
      });
      progress.finish();
      if (!request.dryRun) await commit();
    },
    request.dryRun ? undefined : group,
  );
  return tally;
}

function printResult(io: Io, request: RedriveRequest, tallies: readonly RedriveTally[], planned: unknown[]): void {
  if (request.json) {
    printJson(io.stdout, {
      dryRun: request.dryRun,
      maxRedrives: request.maxRedrives,
      topics: tallies,
      records: planned,
    });
  } else {
    printTable(
      io.stdout,
      [
        'TOPIC',
        'MATCHED',
        request.dryRun ? 'WOULD-REDRIVE' : 'REDRIVEN',
        'ALREADY',
        'AT-LIMIT',
        'NO-ORIGIN',
        'DEFERRED',
      ],
      tallies.map((t) =>
        [t.topic, t.matched, t.redriven, t.alreadyRedriven, t.refusedLimit, t.refusedNoOrigin, t.deferred].map(String),
      ),
    );
    if (request.dryRun) line(io.stderr, 'dry run: nothing produced or remembered');
  }
  const refused = tallies.reduce((n, t) => n + t.refusedLimit + t.refusedNoOrigin, 0);
  if (refused > 0) {
    line(
      io.stderr,
      `${refused} record(s) refused: redriven ${request.maxRedrives} time(s) already or without an existing ` +
        'original topic; see them with `ticketflow dlq show`',
    );
  }
  const deferred = tallies.reduce((n, t) => n + t.deferred, 0);
  if (deferred > 0) {
    line(io.stderr, `${deferred} record(s) left for a later redrive: too many scattered redriven offsets to remember`);
  }
}

export async function redrive(kafka: Kafka, admin: Admin, io: Io, argv: string[]): Promise<number> {
  const request = parseRequest(argv);
  const topics = await scopeTopics(admin, request.topics);
  const existing = new Set(await admin.listTopics());
  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  if (!request.dryRun) await producer.connect();
  const run: TopicRun = {
    kafka,
    admin,
    io,
    request,
    producer,
    wait: rateLimiter(request.ratePerSec),
    topicExists: (topic) => existing.has(topic),
    planned: [],
  };
  const tallies: RedriveTally[] = [];
  try {
    for (const topic of topics) tallies.push(await redriveTopic(run, topic));
  } finally {
    if (!request.dryRun) await producer.disconnect();
  }
  printResult(io, request, tallies, run.planned);
  return EXIT.ok;
}
