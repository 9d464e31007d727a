/**
 * `ticketflow dlq purge --before <time>`: Kafka cannot delete single records, so on each partition every record
 * before the first one written at or after the time is deleted (deleteRecords).
 */
import type { Admin } from 'kafkajs';
import { EXIT, line, parseOptions, UsageError, type Io } from './command.js';
import { topicOffsets, type TopicOffsets } from './consumer-groups.js';
import { parseSince } from './dead-letters.js';
import { iso, scopeTopics } from './dlq-scan.js';
import { printJson, printTable } from './output.js';

export async function purge(admin: Admin, io: Io, argv: string[]): Promise<number> {
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
