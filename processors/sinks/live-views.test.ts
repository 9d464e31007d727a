import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvents } from '../../schemas/fixtures.js';
import { liveViewFields, liveViewKeys } from './live-views.js';

test('a revision becomes hash fields in the store’s words, nulls as empty strings', () => {
  const change = { ...sampleEvents.TicketChanged, slaDueAt: null, assignee: null };
  assert.deepEqual(liveViewFields(change), [
    ...['status', 'pending'],
    ...['queue', 'billing-en'],
    ...['slaDueAt', ''],
    ...['intent', 'billing.refund'],
    ...['priority', 'P2'],
    ...['assignee', ''],
    ...['updatedAt', String(change.updatedAt)],
  ]);
});

test('every key names its org', () => {
  assert.equal(liveViewKeys.ticket('o', 't'), 'tf:ticket:o:t');
  assert.equal(liveViewKeys.queue('o', 'q'), 'tf:queue:o:q');
  for (const pattern of liveViewKeys.patterns('o')) assert.match(pattern, /^tf:\w+:o:\*$/);
});
