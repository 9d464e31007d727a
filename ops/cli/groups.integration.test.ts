/**
 * `ticketflow groups` against Kafka's own `kafka-consumer-groups.sh --describe`, on a throwaway group with
 * known offsets: once with no member (committed partitions only) and once with a live member (every assigned
 * partition, with the member's client id and host).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { commitGroupOffsets, type GroupDescription } from './consumer-groups.js';
import { cleanUp, kafka, kafkaConsumerGroups, ticketflow, topicWithRecords, uniqueName } from './test-support.js';

const topic = uniqueName('tftest-groups');
const group = `tf.${uniqueName('test-groups')}`;

interface Row {
  committed: string;
  logEnd: string;
  lag: string;
  consumerId: string;
  host: string;
  clientId: string;
}

/** Kafka's table, keyed by `topic:partition`. */
function parseKafkaDescribe(output: string): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const text of output.split('\n')) {
    const cells = text.trim().split(/\s+/);
    if (cells[0] !== group || cells.length !== 9) continue;
    const [, t, partition, committed, logEnd, lag, consumerId, host, clientId] = cells as [string, ...string[]];
    rows.set(`${t}:${partition}`, { committed, logEnd, lag, consumerId, host, clientId } as Row);
  }
  return rows;
}

async function ours(): Promise<Map<string, Row>> {
  const { code, stdout, stderr } = await ticketflow(['groups', 'describe', group, '--json']);
  assert.equal(code, 0, stderr);
  const description = JSON.parse(stdout) as GroupDescription;
  const dash = (v: number | string | null | undefined) => (v === null || v === undefined ? '-' : String(v));
  return new Map(
    description.partitions.map((p) => [
      `${p.topic}:${p.partition}`,
      {
        committed: dash(p.committed),
        logEnd: dash(p.logEnd),
        lag: dash(p.lag),
        consumerId: dash(p.member?.memberId),
        host: dash(p.member?.host),
        clientId: dash(p.member?.clientId),
      },
    ]),
  );
}

before(async () => {
  await topicWithRecords(topic, [5, 7, 3]);
  await commitGroupOffsets(kafka, group, [
    { topic, partition: 0, offset: 2 },
    { topic, partition: 1, offset: 7 },
  ]);
});

after(() => cleanUp([topic], [group]));

test('groups describe agrees with kafka-consumer-groups --describe on a group without members', async () => {
  const [kafkaRows, ourRows] = await Promise.all([kafkaConsumerGroups(['--describe', '--group', group]), ours()]);
  const expected = parseKafkaDescribe(kafkaRows);
  assert.deepEqual([...expected.keys()].sort(), [`${topic}:0`, `${topic}:1`]);
  assert.deepEqual(ourRows, expected);
  assert.deepEqual(ourRows.get(`${topic}:0`), {
    committed: '2',
    logEnd: '5',
    lag: '3',
    consumerId: '-',
    host: '-',
    clientId: '-',
  });
});

test('groups describe agrees with kafka-consumer-groups --describe on a group with a live member', async () => {
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10_000 });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  await consumer.subscribe({ topics: [topic] });
  // Never commits: the offsets stay the known ones while the member holds every partition.
  await consumer.run({ autoCommit: false, eachMessage: async () => undefined });
  try {
    await joined;
    const [kafkaRows, ourRows] = await Promise.all([kafkaConsumerGroups(['--describe', '--group', group]), ours()]);
    const expected = parseKafkaDescribe(kafkaRows);
    assert.equal(expected.size, 3, kafkaRows);
    assert.deepEqual(ourRows, expected);
    const row = ourRows.get(`${topic}:2`)!;
    assert.equal(row.committed, '-');
    assert.equal(row.logEnd, '3');
    assert.match(row.clientId, /ticketflow-cli-test/);
    assert.match(row.host, /127\.0\.0\.1/);

    const list = await ticketflow(['groups', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const listed = (
      JSON.parse(list.stdout) as Array<{ group: string; state: string; members: number; lag: number }>
    ).find((g) => g.group === group);
    assert.deepEqual(listed, { group, state: 'Stable', members: 1, partitions: 3, lag: 3 });
  } finally {
    await consumer.disconnect();
  }
});

test('groups describe refuses an unknown group with exit 2', async () => {
  const { code, stderr } = await ticketflow(['groups', 'describe', uniqueName('no-such-group')]);
  assert.equal(code, 2);
  assert.match(stderr, /unknown group/);
});
