/**
 * `ticketflow dlq`: the dead-letter topics (`tf.dlq.<consumer>`, one per stage and sink) read back: counted,
 * shown one by one with the event decoded where it still decodes, re-produced to where they came from after a
 * fix, and purged by age.
 */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Admin, Kafka } from 'kafkajs';
import { loadConfig } from '../../config/index.js';
import { EXIT, line, parseOptions, UsageError, type Command, type Io } from './command.js';
import { topicOffsets } from './consumer-groups.js';
import { coordinates, countLetters, matches, parseCoordinates, toDeadLetter, type DeadLetter } from './dead-letters.js';
import { purge } from './dlq-purge.js';
import { redrive } from './dlq-redrive.js';
import { filterFrom, iso, scanRanges, scopeTopics, size } from './dlq-scan.js';
import { operatorKafka, withAdmin } from './kafka.js';
import { printJson, printTable } from './output.js';
import { withPartitionReader, type ReadRecord } from './partition-reader.js';
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
