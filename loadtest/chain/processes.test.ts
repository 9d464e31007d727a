import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  groupOf,
  otherMembers,
  processPlan,
  PROCESSORS,
  SHAPES,
  sharingRefusal,
  SINKS,
  STAGES,
  type GroupState,
} from './processes.js';

test('every shape hosts each of the eight processors exactly once', () => {
  assert.deepEqual(PROCESSORS, [...STAGES, ...SINKS]);
  assert.equal(PROCESSORS.length, 8);
  for (const shape of SHAPES) {
    const hosted = processPlan(shape).flatMap((p) => p.processors);
    assert.deepEqual([...hosted].sort(), [...PROCESSORS].sort(), shape);
  }
});

test('the shapes: one process per group, stages and sinks apart, or all in one; never the knowledge base’s', () => {
  const perGroup = processPlan('per-group');
  assert.equal(perGroup.length, 8);
  assert.deepEqual(perGroup[0]!.app, { name: 'enrich', entry: 'processors/main.ts', args: ['enrich'] });
  assert.deepEqual(
    processPlan('stages-sinks').map((p) => p.app.args),
    [['enrich,classify,retrieve,respond,route'], ['ticket-store,search-index,live-views']],
  );
  assert.deepEqual(
    processPlan('single').map((p) => p.app.args),
    [['enrich,classify,retrieve,respond,route,ticket-store,search-index,live-views']],
  );
});

const group = (processor: string, clientIds: string[]): GroupState => ({
  processor,
  group: groupOf(processor),
  state: 'Stable',
  members: clientIds.map((clientId) => ({ clientId, host: '/127.0.0.1', partitions: 6 })),
});

test("members that are not the benchmark's are found by client id, and refused by name", () => {
  const groups = [
    group('enrich', ['tf-bench-abc-enrich']),
    group('route', ['tf-bench-abc-route', 'ticketflow-route']),
    group('live-views', []),
  ];
  const others = otherMembers(groups, 'tf-bench-abc');
  assert.deepEqual(
    others.map((g) => [g.group, g.members.map((m) => m.clientId)]),
    [['tf.route', ['ticketflow-route']]],
  );
  const refusal = sharingRefusal(others)!;
  assert.match(refusal, /tf\.route: ticketflow-route \(\/127\.0\.0\.1\)/);
  assert.match(refusal, /--share-groups/);
  assert.equal(sharingRefusal(otherMembers([group('enrich', ['tf-bench-abc-enrich'])], 'tf-bench-abc')), null);
  // Another benchmark run is another client: its members count as others.
  assert.equal(otherMembers([group('enrich', ['tf-bench-xyz-enrich'])], 'tf-bench-abc').length, 1);
});

test('extra instances of a processor are processes of their own, named -2, -3, …, in its group', () => {
  const plan = processPlan('per-group', new Map([['retrieve', 3]]));
  assert.equal(plan.length, 10);
  const retrieve = plan.filter((p) => p.processors[0] === 'retrieve');
  assert.deepEqual(
    retrieve.map((p) => [p.name, p.app.args]),
    [
      ['retrieve', ['retrieve']],
      ['retrieve-2', ['retrieve']],
      ['retrieve-3', ['retrieve']],
    ],
  );
});
