import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ticketflow } from '../../topics/topology.js';
import { isLive, isUnknownGroup, topologyGroups, type GroupDescription } from './consumer-groups.js';
import { describeHeadline, describeRows, listRows } from './groups.js';

const member = { memberId: 'm-1', clientId: 'ticketflow-enrich', host: '/127.0.0.1', assignment: [] };
const group: GroupDescription = {
  group: 'tf.enrich',
  state: 'Stable',
  members: [member],
  partitions: [
    { topic: 't', partition: 0, committed: 5, logStart: 0, logEnd: 8, lag: 3, member },
    { topic: 't', partition: 1, committed: null, logStart: 0, logEnd: 2, lag: null, member: null },
  ],
  totalLag: 3,
};

test('groups rows: state, members, partitions and lag; unknown cells as -', () => {
  assert.deepEqual(listRows([group]), [['tf.enrich', 'Stable', '1', '2', '3']]);
  assert.deepEqual(describeRows(group), [
    ['t', '0', '5', '8', '3', 'ticketflow-enrich', '/127.0.0.1', 'm-1'],
    ['t', '1', '-', '2', '-', '-', '-', '-'],
  ]);
  assert.equal(describeHeadline(group), 'group tf.enrich: Stable, 1 member, lag 3');
});

test('the topology’s groups are tf.<consumer>; other groups are unknown until the broker has them', () => {
  const groups = topologyGroups(ticketflow);
  assert.ok(groups.includes('tf.enrich') && groups.includes('tf.ticket-store'));
  const dead = { ...group, state: 'Dead', members: [], partitions: [], totalLag: 0 };
  assert.equal(isUnknownGroup({ ...dead, group: 'tf.enrich' }, ticketflow), false);
  assert.equal(isUnknownGroup({ ...dead, group: 'tf.nope' }, ticketflow), true);
});

test('a group is live while it has members or is rebalancing', () => {
  assert.equal(isLive(group), true);
  assert.equal(isLive({ state: 'Empty', members: [] }), false);
  assert.equal(isLive({ state: 'PreparingRebalance', members: [] }), true);
});
