/**
 * `ticketflow dlq`: the dead-letter topics (`tf.dlq.<consumer>`, one per stage and sink) read back: counted,
 * shown one by one with the event decoded where it still decodes, re-produced to where they came from after a
 * fix, and purged by age.
 */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { setTimeout as sleep } from 'node:timers/promises';
import { Partitioners, type Admin, type IHeaders, type Kafka } from 'kafkajs';
import { loadConfig } from '../../config/index.js';
import { ticketflow } from '../../topics/topology.js';
import { EXIT, line, parseOptions, UsageError, type Command, type Io } from './command.js';
import { committedOffsets, describeGroup, isLive, topicOffsets, type TopicOffsets } from './consumer-groups.js';
import {
  coordinates,
  countLetters,
  deadLetterTopics,
  decodeRedriven,
  matches,
  parseCoordinates,
  parseSince,
  REDRIVE_COUNT_HEADER,
  REDRIVE_METADATA_MAX,
  redriveCommit,
  redriveGroup,
  toDeadLetter,
  type DeadLetter,
  type DeadLetterFilter,
} from './dead-letters.js';
import { operatorKafka, withAdmin } from './kafka.js';
import { printJson, printTable } from './output.js';
import { withPartitionReader, type OffsetRange, type ReadRecord } from './partition-reader.js';
import { Progress } from './progress.js';

const USAGE = `usage: ticketflow dlq list [--stage S] [--error-class C] [--since ISO|PT1H] [--sample N] [--topic T]… [--json]
       ticketflow dlq show <topic:partition:offset> [--json]
       ticketflow dlq redrive [--stage S] [--error-class C] [--since ISO|PT1H] [--rate N] [--max-redrives N]
                              [--topic T]… [--dry-run]
       ticketflow dlq purge --before ISO|PT1H [--topic T]… [--dry-run]
  list     counts per stage and error class, and the latest few records
  show     one record: headers, the error, and the event decoded with the schema registry where it still decodes
  redrive  re-produce the selected records to their original topic (header tf-original-topic) with their key,
           value and headers, tf-redrive-count incremented, at most --rate per second (default 100). Records
           redriven --max-redrives times already (default 3) are refused. What was redriven is remembered in the
           consumer group tf.redrive.<dlq topic>, so a second redrive does not repeat it.
  purge    Kafka cannot delete single records: on each partition, everything before the first record at or
           after --before is deleted (deleteRecords)
--topic defaults to every dead-letter topic of the topology.`;

const DEFAULT_RATE = 100;
const DEFAULT_MAX_REDRIVES = 3;

/** The topics to work on: those named (each must exist), or the topology's dead-letter topics that exist. */
async function scopeTopics(admin: Admin, named: readonly string[] | undefined): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  if (named && named.length > 0) {
    const missing = named.filter((t) => !existing.has(t));
    if (missing.length > 0) throw new UsageError(`unknown topic ${missing.map((t) => JSON.stringify(t)).join(', ')}`);
    return [...new Set(named)];
  }
  return deadLetterTopics(ticketflow).filter((t) => existing.has(t));
}

/** Each partition from the first record at or after `since` (or its log start) to its log end now. */
async function scanRanges(admin: Admin, topics: readonly string[], since?: number): Promise<OffsetRange[]> {
  const ranges = await Promise.all(
    topics.map(async (topic) => {
      const logs = (await topicOffsets(admin, topic)) as TopicOffsets;
      const byTime =
        since === undefined
          ? null
          : new Map(
              (await admin.fetchTopicOffsetsByTimestamp(topic, since)).map((o) => [o.partition, Number(o.offset)]),
            );
      return logs.partitions.map((p) => ({
        topic,
        partition: p.partition,
        from: Math.max(p.low, byTime?.get(p.partition) ?? p.low),
        to: p.high,
      }));
    }),
  );
  return ranges.flat();
}

const size = (ranges: readonly OffsetRange[]) => ranges.reduce((n, r) => n + Math.max(0, r.to - r.from), 0);
const iso = (ms: number) => new Date(ms).toISOString();

function filterFrom(values: { stage?: string; 'error-class'?: string; since?: string }, now: number): DeadLetterFilter {
  return {
    stage: values.stage,
    errorClass: values['error-class'],
    since: values.since === undefined ? undefined : parseSince(values.since, now),
  };
}

async function list(kafka: Kafka, admin: Admin, io: Io, argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(argv, {
    stage: { type: 'string' },
    'error-class': { type: 'string' },
    since: { type: 'string' },
    sample: { type: 'string', default: '5' },
    topic: { type: 'string', multiple: true },
    json: { type: 'boolean', default: false },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`, true);
  if (!/^\d+$/.test(values.sample)) throw new UsageError(`--sample ${values.sample}: must be a whole number`);
  const filter = filterFrom(values, Date.now());
  const topics = await scopeTopics(admin, values.topic);
  const ranges = await scanRanges(admin, topics, filter.since);
  const letters: DeadLetter[] = [];
  const progress = new Progress({
    label: 'reading dead letters',
    unit: 'records',
    total: size(ranges),
    stream: io.stderr,
  });
  if (topics.length > 0 && size(ranges) > 0) {
    await withPartitionReader(kafka, topics, (reader) =>
      reader.read(ranges, (record) => {
        progress.increment();
        const letter = toDeadLetter(record);
        if (matches(letter, filter)) letters.push(letter);
      }),
    );
    progress.finish();
  }
  const counts = countLetters(letters);
  const sample = [...letters].sort((a, b) => b.failedAt - a.failedAt).slice(0, Number(values.sample));
  if (values.json) {
    printJson(io.stdout, { topics, total: letters.length, counts, sample });
    return EXIT.ok;
  }
  line(io.stdout, `${letters.length} dead letter(s) in ${topics.length} topic(s)`);
  if (letters.length === 0) return EXIT.ok;
  printTable(
    io.stdout,
    ['STAGE', 'ERROR-CLASS', 'COUNT', 'FIRST-FAILED', 'LAST-FAILED'],
    counts.map((c) => [c.stage, c.errorClass, String(c.count), iso(c.firstFailedAt), iso(c.lastFailedAt)]),
  );
  line(io.stdout, `\nlatest ${sample.length}:`);
  printTable(
    io.stdout,
    ['RECORD', 'FAILED-AT', 'STAGE', 'ERROR-CLASS', 'ATTEMPTS', 'REDRIVES', 'ERROR'],
    sample.map((l) => [
      coordinates(l),
      iso(l.failedAt),
      l.stage,
      l.errorClass,
      l.attempts === null ? '-' : String(l.attempts),
      String(l.redriveCount),
      l.errorMessage.length > 80 ? `${l.errorMessage.slice(0, 79)}…` : l.errorMessage,
    ]),
  );
  return EXIT.ok;
}

/** JSON for a decoded Avro value: bytes as base64, longs as strings. */
const jsonSafe = (value: unknown): unknown =>
  JSON.parse(
    JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer') {
        return Buffer.from((v as { data: number[] }).data).toString('base64');
      }
      return v;
    }),
  );

interface Decoded {
  readonly schemaId: number | null;
  readonly eventType: string | null;
  readonly event: unknown;
  readonly error: string | null;
}

/** The value decoded with the writer's schema from the registry, or why it does not decode. */
async function decodeValue(registryUrl: string, value: Buffer | null): Promise<Decoded> {
  if (!value || value.length < 5 || value[0] !== 0) {
    return {
      schemaId: null,
      eventType: null,
      event: null,
      error: 'not in the Confluent Avro wire format (no magic byte 0)',
    };
  }
  const schemaId = value.readInt32BE(1);
  const registry = new SchemaRegistry({ host: registryUrl, retry: { retries: 1 } });
  try {
    const schema = (await registry.getSchema(schemaId)) as { name?: string };
    const event = await registry.decode(value);
    return { schemaId, eventType: schema.name ?? null, event: jsonSafe(event), error: null };
  } catch (error) {
    return { schemaId, eventType: null, event: null, error: (error as Error).message };
  }
}

async function show(kafka: Kafka, admin: Admin, io: Io, argv: string[], registryUrl: string): Promise<number> {
  const { values, positionals } = parseOptions(argv, { json: { type: 'boolean', default: false } });
  if (positionals.length !== 1) throw new UsageError('show needs one record: topic:partition:offset', true);
  const at = parseCoordinates(positionals[0]!);
  const logs = await topicOffsets(admin, at.topic);
  if (!logs) throw new UsageError(`unknown topic ${JSON.stringify(at.topic)}`);
  const log = logs.partitions.find((p) => p.partition === at.partition);
  if (!log) throw new UsageError(`${at.topic} has no partition ${at.partition}`);
  if (at.offset < log.low || at.offset >= log.high) {
    throw new UsageError(
      `no record at ${coordinates(at)}: partition ${at.partition} holds offsets ${log.low} to ${log.high - 1}` +
        (log.high === log.low ? ' (it is empty)' : ''),
    );
  }
  let found: ReadRecord | undefined;
  await withPartitionReader(kafka, [at.topic], (reader) =>
    reader.read([{ ...at, from: at.offset, to: at.offset + 1 }], (record) => void (found = record)),
  );
  if (!found) throw new UsageError(`no record at ${coordinates(at)}: the offset holds a transaction marker`);
  const letter = toDeadLetter(found);
  const decoded = await decodeValue(registryUrl, found.value);
  if (values.json) {
    printJson(io.stdout, { ...letter, decoded });
    return EXIT.ok;
  }
  const original =
    letter.originalTopic === null
      ? '-'
      : `${letter.originalTopic}:${letter.originalPartition ?? '?'}:${letter.originalOffset ?? '?'}`;
  const rows: Array<[string, string]> = [
    ['record', `${coordinates(letter)} (written ${iso(letter.timestamp)})`],
    ['key', letter.key ?? '(none)'],
    ['error', `${letter.errorClass}: ${letter.errorMessage}`],
    ['stage', letter.stage],
    ['attempts', letter.attempts === null ? '-' : String(letter.attempts)],
    ['failed at', iso(letter.failedAt)],
    ['original', original],
    ['redriven', `${letter.redriveCount} time(s)`],
  ];
  for (const [name, value] of rows) line(io.stdout, `${name.padEnd(9)} ${value}`);
  line(io.stdout, 'headers');
  for (const [name, value] of Object.entries(letter.headers)) line(io.stdout, `  ${name}: ${value}`);
  if (decoded.error !== null) {
    line(io.stdout, `event     does not decode: ${decoded.error}`);
    line(
      io.stdout,
      `value     ${found.value ? `${found.value.subarray(0, 64).toString('hex')} (${found.value.length} bytes)` : '(null)'}`,
    );
  } else {
    line(io.stdout, `event     ${decoded.eventType ?? '?'} (schema id ${decoded.schemaId})`);
    line(io.stdout, JSON.stringify(decoded.event, null, 2));
  }
  return EXIT.ok;
}

interface RedriveTally {
  topic: string;
  matched: number;
  redriven: number;
  alreadyRedriven: number;
  refusedLimit: number;
  refusedNoOrigin: number;
  deferred: number;
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

async function redrive(kafka: Kafka, admin: Admin, io: Io, argv: string[]): Promise<number> {
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
  const rate = Number(values.rate);
  if (!(rate > 0 && rate <= 100_000))
    throw new UsageError(`--rate ${values.rate}: must be a number from 1 to 100000 per second`);
  if (!/^\d+$/.test(values['max-redrives']) || Number(values['max-redrives']) < 1) {
    throw new UsageError(`--max-redrives ${values['max-redrives']}: must be a whole number of at least 1`);
  }
  const maxRedrives = Number(values['max-redrives']);
  const filter = filterFrom(values, Date.now());
  const dryRun = values['dry-run'];
  const topics = await scopeTopics(admin, values.topic);
  const existing = new Set(await admin.listTopics());

  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  if (!dryRun) await producer.connect();
  const tallies: RedriveTally[] = [];
  const planned: Array<{ record: string; to: string }> = [];
  const wait = rateLimiter(rate);
  try {
    for (const topic of topics) {
      const group = redriveGroup(ticketflow.namespace, topic);
      if (!dryRun && isLive(await describeGroup(admin, group))) {
        throw new UsageError(`another redrive of ${topic} is running (group ${group} has members); wait for it`);
      }
      const remembered = await committedOffsets(admin, group, [topic]);
      const logs = (await topicOffsets(admin, topic)) as TopicOffsets;
      const scan = await scanRanges(admin, [topic], filter.since);
      const state = new Map(
        scan.map((r) => {
          const low = logs.partitions.find((p) => p.partition === r.partition)?.low ?? 0;
          const c = remembered.find((x) => x.partition === r.partition);
          // Everything before the committed offset was redriven (or has since been deleted); --since only narrows
          // what is read now, it never marks the records before it as done.
          const committed = Math.max(low, c?.offset ?? low);
          return [
            r.partition,
            { committed, redriven: decodeRedriven(c?.metadata), range: { ...r, from: Math.max(r.from, committed) } },
          ];
        }),
      );
      const tally: RedriveTally = {
        topic,
        matched: 0,
        redriven: 0,
        alreadyRedriven: 0,
        refusedLimit: 0,
        refusedNoOrigin: 0,
        deferred: 0,
      };
      tallies.push(tally);
      const ranges = [...state.values()].map((s) => s.range);
      if (size(ranges) === 0) continue;
      const progress = new Progress({
        label: `redriving ${topic}`,
        unit: 'records',
        total: size(ranges),
        stream: io.stderr,
      });
      await withPartitionReader(
        kafka,
        [topic],
        async (reader) => {
          const commit = () =>
            reader.commit(
              [...state.entries()].map(([partition, s]) => ({
                topic,
                partition,
                ...redriveCommit(s.committed, s.redriven),
              })),
            );
          let sinceCommit = 0;
          await reader.read(ranges, async (record) => {
            progress.increment();
            const letter = toDeadLetter(record);
            const partition = state.get(record.partition)!;
            if (!matches(letter, filter)) return;
            tally.matched += 1;
            if (partition.redriven.has(record.offset)) {
              tally.alreadyRedriven += 1;
              return;
            }
            if (letter.redriveCount >= maxRedrives) {
              tally.refusedLimit += 1;
              return;
            }
            if (!letter.originalTopic || !existing.has(letter.originalTopic)) {
              tally.refusedNoOrigin += 1;
              return;
            }
            const next = new Set(partition.redriven).add(record.offset);
            if (redriveCommit(partition.committed, next).metadata.length > REDRIVE_METADATA_MAX) {
              tally.deferred += 1;
              return;
            }
            planned.push({ record: coordinates(letter), to: letter.originalTopic });
            if (dryRun) {
              tally.redriven += 1;
              return;
            }
            await wait();
            const headers: IHeaders = { ...record.headers, [REDRIVE_COUNT_HEADER]: String(letter.redriveCount + 1) };
            await producer.send({
              topic: letter.originalTopic,
              acks: -1,
              messages: [{ key: record.key, value: record.value, headers }],
            });
            partition.redriven = next;
            tally.redriven += 1;
            // Remembered every hundred, so an interrupted redrive repeats at most that many when run again.
            if (++sinceCommit >= 100) {
              sinceCommit = 0;
              await commit();
            }
          });
          progress.finish();
          if (!dryRun) await commit();
        },
        dryRun ? undefined : group,
      );
    }
  } finally {
    if (!dryRun) await producer.disconnect();
  }
  if (values.json) {
    printJson(io.stdout, { dryRun, maxRedrives, topics: tallies, records: planned });
  } else {
    printTable(
      io.stdout,
      ['TOPIC', 'MATCHED', dryRun ? 'WOULD-REDRIVE' : 'REDRIVEN', 'ALREADY', 'AT-LIMIT', 'NO-ORIGIN', 'DEFERRED'],
      tallies.map((t) =>
        [t.topic, t.matched, t.redriven, t.alreadyRedriven, t.refusedLimit, t.refusedNoOrigin, t.deferred].map(String),
      ),
    );
    if (dryRun) line(io.stderr, 'dry run: nothing produced or remembered');
  }
  const refused = tallies.reduce((n, t) => n + t.refusedLimit + t.refusedNoOrigin, 0);
  if (refused > 0) {
    line(
      io.stderr,
      `${refused} record(s) refused: redriven ${maxRedrives} time(s) already or without an existing original topic; ` +
        'see them with `ticketflow dlq show`',
    );
  }
  return EXIT.ok;
}

async function purge(admin: Admin, io: Io, argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(argv, {
    before: { type: 'string' },
    topic: { type: 'string', multiple: true },
    'dry-run': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`, true);
  if (!values.before) throw new UsageError('purge needs --before ISO|PT1H', true);
  const before = parseSince(values.before, Date.now(), '--before');
  const topics = await scopeTopics(admin, values.topic);
  const rows: Array<{ topic: string; partition: number; logStart: number; newLogStart: number; deleted: number }> = [];
  for (const topic of topics) {
    const logs = (await topicOffsets(admin, topic)) as TopicOffsets;
    const cut = new Map(
      (await admin.fetchTopicOffsetsByTimestamp(topic, before)).map((o) => [o.partition, Number(o.offset)]),
    );
    const partitions = logs.partitions
      .map((p) => ({ partition: p.partition, low: p.low, to: Math.min(cut.get(p.partition) ?? p.high, p.high) }))
      .filter((p) => p.to > p.low);
    for (const p of partitions) {
      rows.push({ topic, partition: p.partition, logStart: p.low, newLogStart: p.to, deleted: p.to - p.low });
    }
    if (!values['dry-run'] && partitions.length > 0) {
      await admin.fetchTopicMetadata({ topics: [topic] });
      await admin.deleteTopicRecords({
        topic,
        partitions: partitions.map((p) => ({ partition: p.partition, offset: String(p.to) })),
      });
    }
  }
  const deleted = rows.reduce((n, r) => n + r.deleted, 0);
  if (values.json) {
    printJson(io.stdout, { dryRun: values['dry-run'], before: iso(before), deleted, partitions: rows });
    return EXIT.ok;
  }
  line(
    io.stdout,
    `Kafka cannot delete single records: on each partition, every record before the first one written at or after ` +
      `${iso(before)} ${values['dry-run'] ? 'would be' : 'was'} deleted.`,
  );
  if (rows.length > 0) {
    printTable(
      io.stdout,
      ['TOPIC', 'PARTITION', 'LOG-START', 'NEW-LOG-START', 'DELETED'],
      rows.map((r) => [r.topic, String(r.partition), String(r.logStart), String(r.newLogStart), String(r.deleted)]),
    );
  }
  line(io.stdout, `${deleted} record(s) ${values['dry-run'] ? 'would be deleted (dry run)' : 'deleted'}`);
  return EXIT.ok;
}

export const command: Command = {
  name: 'dlq',
  summary: 'list, show, redrive and purge dead letters',
  usage: USAGE,
  async run(argv, io) {
    const [action, ...rest] = argv;
    if (!['list', 'show', 'redrive', 'purge'].includes(action ?? '')) {
      throw new UsageError(action ? `unknown action ${JSON.stringify(action)}` : 'missing action', true);
    }
    const config = loadConfig();
    const kafka = operatorKafka(config, 'dlq');
    return withAdmin(kafka, (admin) => {
      switch (action) {
        case 'list':
          return list(kafka, admin, io, rest);
        case 'show':
          return show(kafka, admin, io, rest, config.schemaRegistry.url);
        case 'redrive':
          return redrive(kafka, admin, io, rest);
        default:
          return purge(admin, io, rest);
      }
    });
  },
};
