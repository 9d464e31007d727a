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
import { applyToLiveViews, liveViewKeys, readCounters, readQueue, readTicketView } from './live-views.js';
import { fixtureChain, shuffled } from './test-support.js';

const redis = new Redis(loadConfig().redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
const run = randomUUID().slice(0, 8);
const orgA = `it-live-a-${run}`;
const orgB = `it-live-b-${run}`;
const orgC = `it-live-c-${run}`;

/** Everything the views hold for an org, except the dedupe markers. */
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

test('the chain builds the ticket summary, its queue entry and the counters; replays change nothing', async () => {
  const chain = fixtureChain(orgA);
  for (const event of chain) assert.equal(await applyToLiveViews(redis, event), 'applied');
  const expected = {
    ticket: {
      status: 'pending',
      queue: 'billing-en',
      slaDueAt: sampleEvents.RoutingDecided.routing.firstResponseDueAt,
      intent: 'billing.refund',
      priority: 'P2',
      assignee: null,
      updatedAt: sampleEvents.TicketCommand.meta.occurredAt,
    },
    billing: ['T-1042'],
    vip: [],
    counters: { status: { pending: 1 }, intent: { 'billing.refund': 1 } },
  };
  assert.deepEqual(await snapshot(orgA), expected);
  const ttl = await redis.ttl(liveViewKeys.applied(orgA, chain[0]!.meta.eventId));
  assert.ok(ttl > 0);

  for (const event of [...chain, ...shuffled(chain, 5)]) {
    assert.equal(await applyToLiveViews(redis, event), 'duplicate');
  }
  assert.deepEqual(await snapshot(orgA), expected);
});

test('a shuffled chain converges on the in-order views', async () => {
  for (const event of shuffled(fixtureChain(orgC), 9)) await applyToLiveViews(redis, event);
  assert.deepEqual(await snapshot(orgC), await snapshot(orgA));
});

test('re-routing moves the ticket between queues; resolving removes it', async () => {
  await applyToLiveViews(redis, command(orgA, 1, { command: 'ASSIGN', assignee: 'agent-3', queue: 'vip' }));
  let views = await snapshot(orgA);
  assert.deepEqual([views.billing, views.vip], [[], ['T-1042']]);
  assert.equal(views.ticket?.assignee, 'agent-3');

  await applyToLiveViews(redis, command(orgA, 2, { command: 'RESOLVE', resolution: 'answered' }));
  views = await snapshot(orgA);
  assert.deepEqual([views.billing, views.vip], [[], []]);
  assert.deepEqual(views.counters.status, { resolved: 1 });

  await applyToLiveViews(redis, command(orgA, 3, { command: 'REOPEN' }));
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
