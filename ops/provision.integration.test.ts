import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ticketflow } from '../topics/topology.js';
import { provision } from './provision.js';

test('provisioning twice leaves topics unchanged and schema ids stable', async () => {
  const first: string[] = [];
  await provision(undefined, undefined, (line) => first.push(line));
  const second: string[] = [];
  await provision(undefined, undefined, (line) => second.push(line));
  const topicLines = second.filter((l) => l.includes('tf.') && !l.includes('schema'));
  assert.ok(topicLines.length > 0);
  for (const line of topicLines) assert.match(line, /unchanged/);
  const ids = (lines: string[]) => lines.filter((l) => l.includes('schema ')).sort();
  assert.deepEqual(ids(second), ids(first));
  // One subject per topic that carries an event type.
  assert.equal(ids(second).length, ticketflow.topics.filter((t) => t.eventType).length);
});
