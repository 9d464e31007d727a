import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coPartitionedAssignment } from './assigner.js';

const twelve = { partitionsOf: () => Array.from({ length: 12 }, (_, i) => i) };

test('each member gets the same partition numbers of every topic', () => {
  const assignment = coPartitionedAssignment(['m-b', 'm-a', 'm-c'], ['t.routed', 't.received', 't.drafted'], twelve);
  assert.deepEqual([...assignment.keys()], ['m-a', 'm-b', 'm-c']);
  for (const [member, byTopic] of assignment) {
    const numbers = Object.values(byTopic).map((ps) => ps.join(','));
    assert.equal(new Set(numbers).size, 1, `${member} holds one set of numbers on every topic`);
    assert.equal(Object.keys(byTopic).length, 3);
  }
  assert.deepEqual(assignment.get('m-a')!['t.routed'], [0, 3, 6, 9]);
  assert.deepEqual(assignment.get('m-c')!['t.received'], [2, 5, 8, 11]);
});

test('every partition of every topic is assigned exactly once, whatever the member count', () => {
  for (const n of [1, 2, 5, 12, 13]) {
    const members = Array.from({ length: n }, (_, i) => `m-${i}`);
    const assignment = coPartitionedAssignment(members, ['a', 'b'], twelve);
    for (const topic of ['a', 'b']) {
      const all = [...assignment.values()].flatMap((byTopic) => byTopic[topic] ?? []).sort((x, y) => x - y);
      assert.deepEqual(all, twelve.partitionsOf(), `${n} members, topic ${topic}`);
    }
  }
});
