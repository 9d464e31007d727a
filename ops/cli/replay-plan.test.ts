import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from './command.js';
import {
  parseIsoDatetime,
  parseIsoDuration,
  parsePartitionOffsets,
  parsePartitions,
  parseReplayTarget,
  planReplay,
  rollbackOffsets,
  scopePartitions,
  type PartitionPosition,
} from './replay-plan.js';

const refused = (fn: () => unknown, message: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof UsageError && message.test(e.message));

test('ISO-8601 durations in days, hours, minutes and seconds', () => {
  assert.equal(parseIsoDuration('PT1H', '--by-duration'), 3_600_000);
  assert.equal(parseIsoDuration('P1DT12H', '--by-duration'), 36 * 3_600_000);
  assert.equal(parseIsoDuration('pt90s', '--by-duration'), 90_000);
  assert.equal(parseIsoDuration('PT0.5S', '--by-duration'), 500);
  for (const bad of ['1h', 'P', 'PT', 'P1H', 'PT-1H', 'P1W', 'PT0S'])
    refused(() => parseIsoDuration(bad, '--by-duration'), /--by-duration/);
});

test('datetimes need a zone', () => {
  assert.equal(parseIsoDatetime('2026-05-01T09:00:00Z', '--to-datetime'), Date.UTC(2026, 4, 1, 9));
  assert.equal(parseIsoDatetime('2026-05-01T11:00:00+02:00', '--to-datetime'), Date.UTC(2026, 4, 1, 9));
  refused(() => parseIsoDatetime('2026-05-01T09:00:00', '--to-datetime'), /with a zone/);
  refused(() => parseIsoDatetime('yesterday', '--to-datetime'), /with a zone/);
});

test('partition lists and partition:offset pairs', () => {
  assert.deepEqual(parsePartitions('3,0,3'), [0, 3]);
  refused(() => parsePartitions('0,a'), /--partitions/);
  assert.deepEqual(
    [...parsePartitionOffsets('0:120, 3:4000')],
    [
      [0, 120],
      [3, 4000],
    ],
  );
  refused(() => parsePartitionOffsets('0:1,0:2'), /twice/);
  refused(() => parsePartitionOffsets('0=1'), /partition:offset/);
  refused(() => parsePartitionOffsets('0:-1'), /partition:offset/);
});

test('exactly one mode, and no time in the future', () => {
  const now = Date.UTC(2026, 4, 1, 12);
  assert.deepEqual(parseReplayTarget({ 'to-earliest': true }, now), { kind: 'earliest' });
  assert.deepEqual(parseReplayTarget({ 'by-duration': 'PT1H' }, now), { kind: 'duration', ms: 3_600_000 });
  refused(() => parseReplayTarget({}, now), /say where to/);
  refused(
    () => parseReplayTarget({ 'to-earliest': true, 'to-offset': '0:1' }, now),
    /choose one of --to-earliest, --to-offset/,
  );
  refused(() => parseReplayTarget({ 'to-datetime': '2026-05-01T13:00:00Z' }, now), /in the future/);
});

const positions: PartitionPosition[] = [
  { topic: 't', partition: 0, committed: 50, logStart: 10, logEnd: 100, offsetAtTime: 40 },
  { topic: 't', partition: 1, committed: null, logStart: 0, logEnd: 30, offsetAtTime: 30 },
  { topic: 't', partition: 2, committed: 5, logStart: 0, logEnd: 5, offsetAtTime: 5 },
];

test('a plan gives current, target and delta per partition', () => {
  assert.deepEqual(planReplay(positions, { kind: 'earliest' }), [
    { topic: 't', partition: 0, current: 50, target: 10, delta: -40 },
    { topic: 't', partition: 1, current: null, target: 0, delta: null },
    { topic: 't', partition: 2, current: 5, target: 0, delta: -5 },
  ]);
  assert.deepEqual(
    planReplay(positions, { kind: 'datetime', at: 0 }).map((r) => r.target),
    [40, 30, 5],
  );
});

test('offsets outside the log are refused naming the partition and its bounds', () => {
  const target = { kind: 'offsets', offsets: new Map([[0, 101]]) } as const;
  refused(() => planReplay(scopePartitions(positions, target, null), target), /beyond the log end of t\[0\] \(100\)/);
  const low = { kind: 'offsets', offsets: new Map([[0, 9]]) } as const;
  refused(() => planReplay(scopePartitions(positions, low, null), low), /below the log start of t\[0\] \(10\)/);
});

test('the scope is the named partitions; an empty or impossible one is refused', () => {
  const target = { kind: 'offsets', offsets: new Map([[0, 20]]) } as const;
  assert.deepEqual(
    scopePartitions(positions, target, null).map((p) => p.partition),
    [0],
  );
  assert.deepEqual(
    scopePartitions(positions, { kind: 'earliest' }, [1, 2]).map((p) => p.partition),
    [1, 2],
  );
  refused(() => scopePartitions(positions, target, [1]), /scope is empty/);
  refused(() => scopePartitions(positions, { kind: 'earliest' }, [7]), /t has no partition 7 \(it has 3: 0 to 2\)/);
  refused(() => scopePartitions(positions, { kind: 'offsets', offsets: new Map([[9, 1]]) }, null), /no partition 9/);
});

test('a rollback puts back the offsets the plan found', () => {
  const plan = planReplay(positions, { kind: 'earliest' });
  assert.equal(rollbackOffsets(plan, 't'), '0:50,2:5');
  assert.equal(rollbackOffsets(plan, 'other'), null);
});
