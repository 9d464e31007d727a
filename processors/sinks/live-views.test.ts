import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvents } from '../../schemas/fixtures.js';
import { keyOrg, keyVersion, liveViewArgs, liveViewKeys, liveViewKeysOf, orgKeyPart } from './live-views.js';
import { listPosition, ticketDetail } from './ticket-views.js';

test('a revision becomes the script’s arguments in the store’s words, nulls as empty strings', () => {
  const change = { ...sampleEvents.TicketChanged, slaDueAt: null, assignee: null };
  assert.deepEqual(liveViewArgs(change), [
    '7',
    'T-1042',
    'org-acme',
    'pending',
    'billing-en',
    '',
    'billing.refund',
    'P2',
    '',
    String(change.updatedAt),
    String(change.createdAt),
    'conv-7f3a',
    'Charged twice for January',
    listPosition(change.updatedAt, 'T-1042'),
    JSON.stringify(ticketDetail(change)),
    // No deadline: nothing to breach.
    '',
    JSON.stringify({
      ticketId: 'T-1042',
      conversationId: 'conv-7f3a',
      status: 'pending',
      queue: 'billing-en',
      priority: 'P2',
      intent: 'billing.refund',
      assignee: null,
      slaDueAt: null,
      subject: 'Charged twice for January',
      updatedAt: 1736933460000,
    }),
  ]);
});

test('every key names its org, escaped so that no org id reaches into another org’s keys', () => {
  assert.equal(liveViewKeys.ticket('o', 't'), 'tf:ticket:o:t');
  assert.equal(liveViewKeys.queue('o', 'q'), 'tf:queue:o:q');
  assert.equal(liveViewKeys.list('o'), 'tf:list:o:all');
  assert.equal(liveViewKeys.list('o', { field: 'queue', value: 'all' }), 'tf:list:o:queue:all');
  for (const pattern of liveViewKeys.patterns('o')) assert.match(pattern, /^tf:\w+:o:\*$/);
  // Org "acme:queue" must not read org acme's list of the queue "all", nor "acme:x" acme's ticket "x:T".
  assert.notEqual(liveViewKeys.list('acme:queue'), liveViewKeys.list('acme', { field: 'queue', value: 'all' }));
  assert.notEqual(liveViewKeys.ticket('acme:x', 'T'), liveViewKeys.ticket('acme', 'x:T'));
  assert.equal(orgKeyPart('a:b%c'), 'a%3Ab%25c');
  assert.notEqual(orgKeyPart('a:b'), orgKeyPart('a%3Ab'));
  assert.equal(orgKeyPart('plain-org_1'), 'plain-org_1', 'ordinary org ids keep the keys of earlier versions');
});

test('a version of the views is told by its keys, and no org or version can pass for another', () => {
  const orgs = ['acme', 'a:b', 'a%v2', '50%'];
  for (const org of orgs) {
    for (const version of [1, 2, 17]) {
      const keys = liveViewKeysOf(version);
      for (const key of [
        keys.ticket(org, 'T-1'),
        keys.queueRegistry(org),
        keys.list(org),
        keys.counts(org, 'status'),
      ]) {
        assert.equal(keyVersion(key), version, key);
        assert.equal(keyOrg(key), org, key);
      }
    }
  }
  assert.equal(liveViewKeysOf(1).ticket('acme', 'T-1'), 'tf:ticket:acme:T-1', 'version 1 keeps the keys it always had');
  assert.equal(keyVersion('tf:views:live-views:version'), null);
  assert.equal(keyVersion('tf:query:limit:x'), null);
});
