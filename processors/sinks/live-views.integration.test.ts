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
import {
  applyChanges,
  liveViewKeys,
  readCounters,
  readQueue,
  readTicketView,
  registerQueuesOfOlderViews,
} from './live-views.js';
import { fixtureChain, revisions, shuffled } from './test-support.js';
import { listPosition, ticketIdOfPosition } from './ticket-views.js';

const redis = new Redis(loadConfig().redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
const run = randomUUID().slice(0, 8);
const orgA = `it-live-a-${run}`;
const orgB = `it-live-b-${run}`;
const orgC = `it-live-c-${run}`;
const orgD = `it-live-d-${run}`;
const orgE = `it-live-e-${run}`;

/** Everything the views hold for an org. */
async function snapshot(orgId: string) {
  return {
    ticket: await readTicketView(redis, orgId, 'T-1042'),
    billing: await readQueue(redis, orgId, 'billing-en'),
    vip: await readQueue(redis, orgId, 'vip'),
    counters: await readCounters(redis, orgId),
  };
}

const registry = async (orgId: string) => (await redis.smembers(liveViewKeys.queueRegistry(orgId))).sort();

/** The ids in each list a test looks at. */
async function lists(orgId: string) {
  const ids = async (key: string) => (await redis.zrange(key, '0', '-1')).map(ticketIdOfPosition);
  return {
    all: await ids(liveViewKeys.list(orgId)),
    [`status:${(await readTicketView(redis, orgId, 'T-1042'))?.status}`]: await ids(
      liveViewKeys.list(orgId, { field: 'status', value: (await readTicketView(redis, orgId, 'T-1042'))!.status! }),
    ),
    'queue:vip': await ids(liveViewKeys.list(orgId, { field: 'queue', value: 'vip' })),
    'queue:billing-en': await ids(liveViewKeys.list(orgId, { field: 'queue', value: 'billing-en' })),
    'priority:P2': await ids(liveViewKeys.list(orgId, { field: 'priority', value: 'P2' })),
    'intent:billing.refund': await ids(liveViewKeys.list(orgId, { field: 'intent', value: 'billing.refund' })),
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
  for (const org of [orgA, orgB, orgC, orgD, orgE]) {
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
  counters: {
    status: { pending: 1 },
    intent: { 'billing.refund': 1 },
    priority: { P2: 1 },
    queue: { 'billing-en': 1 },
  },
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
  assert.deepEqual(views.counters.queue, { vip: 1 });
  assert.deepEqual(await registry(orgA), ['vip'], 'the emptied queue left the registry');
  assert.deepEqual(await lists(orgA), {
    all: ['T-1042'],
    'status:pending': ['T-1042'],
    'queue:vip': ['T-1042'],
    'queue:billing-en': [],
    'priority:P2': ['T-1042'],
    'intent:billing.refund': ['T-1042'],
  });
  await applyChanges(redis, [resolved!]);
  views = await snapshot(orgA);
  assert.deepEqual([views.billing, views.vip], [[], []]);
  assert.deepEqual(views.counters.status, { resolved: 1 });
  assert.deepEqual(await registry(orgA), []);
  assert.deepEqual((await lists(orgA))['status:resolved'], ['T-1042'], 'lists keep resolved tickets');
  await applyChanges(redis, [reopened!]);
  views = await snapshot(orgA);
  assert.deepEqual(views.vip, ['T-1042']);
  assert.deepEqual(views.counters.status, { open: 1 });
  assert.deepEqual(await registry(orgA), ['vip']);
  const position = listPosition(reopened!.updatedAt, 'T-1042');
  assert.deepEqual(
    await redis.zrange(liveViewKeys.list(orgA), '0', '-1'),
    [position],
    'one entry, at its new position',
  );
  assert.deepEqual(await redis.zrange(liveViewKeys.oldest(orgA, 'vip'), '0', '-1', 'WITHSCORES'), [
    'T-1042',
    String(reopened!.createdAt),
  ]);
});

test('a hash from before version 2 is taken over: no counter goes negative, and it enters the new views', async () => {
  const changes = revisions(fixtureChain(orgD));
  const routed = changes.find((c) => c.routing !== null)!;
  const last = changes.at(-1)!;
  // What version 1 of the script left for the routed revision: the hash, two counters and the queue.
  await redis.hset(liveViewKeys.ticket(orgD, 'T-1042'), {
    status: 'open',
    queue: 'billing-en',
    slaDueAt: String(routed.slaDueAt),
    intent: 'billing.refund',
    priority: 'P2',
    assignee: '',
    updatedAt: String(routed.updatedAt),
    revision: String(routed.revision),
  });
  await redis.hset(liveViewKeys.statusCounts(orgD), 'open', '1');
  await redis.hset(liveViewKeys.intentCounts(orgD), 'billing.refund', '1');
  await redis.zadd(liveViewKeys.queue(orgD, 'billing-en'), String(routed.slaDueAt), 'T-1042');
  assert.deepEqual([...(await applyChanges(redis, [last]))], [[`${orgD}:T-1042`, 'applied']]);
  assert.deepEqual(await snapshot(orgD), expected);
  assert.deepEqual(await lists(orgD), {
    all: ['T-1042'],
    'status:pending': ['T-1042'],
    'queue:vip': [],
    'queue:billing-en': ['T-1042'],
    'priority:P2': ['T-1042'],
    'intent:billing.refund': ['T-1042'],
  });
});

test('queues of views from before the registry are registered once, by a scan outside any request', async () => {
  await redis.zadd(liveViewKeys.queue(orgE, 'legacy-en'), '1', 'T-1');
  await redis.del('tf:views:queue-registry');
  assert.ok((await registerQueuesOfOlderViews(redis)) >= 1);
  assert.deepEqual(await registry(orgE), ['legacy-en']);
  assert.ok(await redis.exists('tf:views:queue-registry'));
  assert.equal(await registerQueuesOfOlderViews(redis), 0, 'once per Redis');
});

test('a second org sees nothing of the first', async () => {
  assert.deepEqual(await snapshot(orgB), {
    ticket: null,
    billing: [],
    vip: [],
    counters: { status: {}, intent: {}, priority: {}, queue: {} },
  });
});
