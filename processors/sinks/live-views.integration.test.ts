/**
 * The live views against the stack's Redis: test orgs are unique to this run, and every key of theirs is
 * deleted afterwards.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { loadConfig } from '../../config/index.js';
import { sampleEvents } from '../../schemas/fixtures.js';
import type { TicketCommand } from '../../schemas/generated/events.js';
import type { TicketEvent } from './events.js';
import { applyChanges, liveViewKeys, readCounters, readQueue, readTicketView } from './live-views.js';
import { fixtureChain, revisions, shuffled } from './test-support.js';

const redis = new Redis(loadConfig().redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
const run = randomUUID().slice(0, 8);
const orgA = `it-live-a-${run}`;
const orgB = `it-live-b-${run}`;
const orgC = `it-live-c-${run}`;

/** Everything the views hold for an org. */
async function snapshot(orgId: string) {
  return {
    ticket: await readTicketView(redis, orgId, 'T-1042'),
    billing: await readQueue(redis, orgId, 'billing-en'),
    vip: await readQueue(redis, orgId, 'vip'),
    counters: await readCounters(redis, orgId),
  };
}

function command(orgId: string, n: number, patch: Partial<TicketCommand>): TicketEvent {
  const base = sampleEvents.TicketCommand;
  return {
    ...base,
    replyText: null,
    draftEventId: null,
    ...patch,
    meta: { ...base.meta, orgId, eventId: `${base.meta.eventId}-${n}`, occurredAt: base.meta.occurredAt + n },
  };
}

before(() => redis.connect());
after(async () => {
  for (const org of [orgA, orgB, orgC]) {
    for (const pattern of liveViewKeys.patterns(org)) {
      const keys = await redis.keys(pattern);
      if (keys.length > 0) await redis.del(...keys);
    }
  }
  redis.disconnect();
});

const expected = {
  ticket: {
    status: 'pending',
    queue: 'billing-en',
    slaDueAt: sampleEvents.RoutingDecided.routing.firstResponseDueAt,
    intent: 'billing.refund',
    priority: 'P2',
    assignee: null,
    updatedAt: sampleEvents.TicketCommand.meta.occurredAt,
    revision: 7,
  },
  billing: ['T-1042'],
  vip: [],
  counters: { status: { pending: 1 }, intent: { 'billing.refund': 1 } },
};

test('each revision of the chain builds the summary, its queue entry and the counters; replays change nothing', async () => {
  const changes = revisions(fixtureChain(orgA));
  for (const change of changes) {
    assert.deepEqual([...(await applyChanges(redis, [change]))], [[`${orgA}:T-1042`, 'applied']]);
  }
  assert.deepEqual(await snapshot(orgA), expected);
  for (const change of [...changes, ...shuffled(changes, 5)]) {
    assert.deepEqual([...(await applyChanges(redis, [change]))], [[`${orgA}:T-1042`, 'stale']]);
  }
  assert.deepEqual(await snapshot(orgA), expected);
});

test('revisions in any order, one pipeline per batch, converge on the in-order views', async () => {
  const changes = shuffled(revisions(fixtureChain(orgC)), 9);
  for (let i = 0; i < changes.length; i += 3) await applyChanges(redis, changes.slice(i, i + 3));
  assert.deepEqual(await snapshot(orgC), expected);
});

test('re-routing moves the ticket between queues; resolving removes it', async () => {
  const chain = fixtureChain(orgA);
  const steps = [
    command(orgA, 1, { command: 'ASSIGN', assignee: 'agent-3', queue: 'vip' }),
    command(orgA, 2, { command: 'RESOLVE', resolution: 'answered' }),
    command(orgA, 3, { command: 'REOPEN' }),
  ];
  const all = revisions([...chain, ...steps]);
  const [assigned, resolved, reopened] = all.slice(-3);
  await applyChanges(redis, [assigned!]);
  let views = await snapshot(orgA);
  assert.deepEqual([views.billing, views.vip], [[], ['T-1042']]);
  assert.equal(views.ticket?.assignee, 'agent-3');
  await applyChanges(redis, [resolved!]);
  views = await snapshot(orgA);
  assert.deepEqual([views.billing, views.vip], [[], []]);
  assert.deepEqual(views.counters.status, { resolved: 1 });
  await applyChanges(redis, [reopened!]);
  views = await snapshot(orgA);
  assert.deepEqual(views.vip, ['T-1042']);
  assert.deepEqual(views.counters.status, { open: 1 });
});

test('a second org sees nothing of the first', async () => {
  assert.deepEqual(await snapshot(orgB), {
    ticket: null,
    billing: [],
    vip: [],
    counters: { status: {}, intent: {} },
  });
});
