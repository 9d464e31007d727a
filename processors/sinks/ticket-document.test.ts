import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvents } from '../../schemas/fixtures.js';
import type { TicketCommand } from '../../schemas/generated/events.js';
import type { TicketEvent } from './events.js';
import { foldTicket, type TicketDocument } from './ticket-document.js';
import { fixtureChain, shuffled } from './test-support.js';

const fold = (events: readonly TicketEvent[]) =>
  events.reduce<TicketDocument | null>((doc, e) => foldTicket(doc, e), null)!;

/** How many events changed the ticket depends on their order (a late, older one changes nothing); the rest may not. */
const state = (doc: TicketDocument) => ({ ...doc, revision: 0 });

test('the fixture chain materialises one complete ticket', () => {
  const doc = fold(fixtureChain('org-x'));
  const routed = sampleEvents.RoutingDecided;
  assert.equal(doc._id, 'org-x:T-1042');
  assert.equal(doc.status, 'pending');
  assert.equal(doc.queue, 'billing-en');
  assert.equal(doc.priority, 'P2');
  assert.equal(doc.slaDueAt, routed.routing.firstResponseDueAt);
  assert.equal(doc.message?.body, sampleEvents.InteractionReceived.body);
  assert.equal(doc.interactions.length, 1);
  assert.equal(doc.draft?.eventId, sampleEvents.ResponseDrafted.meta.eventId);
  assert.deepEqual(doc.routing, routed.routing);
  assert.equal(doc.grounding?.passages.length, 1);
  assert.equal(doc.replies.length, 1);
  assert.equal(doc.updatedAt, sampleEvents.TicketCommand.meta.occurredAt);
  assert.equal(doc.revision, 7);
});

test('applying an event twice changes nothing', () => {
  const once = fold(fixtureChain('org-x'));
  assert.equal(foldTicket(once, sampleEvents.RoutingDecided as TicketEvent), once);
});

test('duplicates are recognised by content however late they come back: no event ids are kept', () => {
  const chain = fixtureChain('org-x');
  const base = sampleEvents.TicketCommand;
  // A thousand later commands, then every event of the chain again: nothing changes, and nothing grows.
  const later = Array.from({ length: 1000 }, (_, i): TicketCommand => ({
    ...base,
    command: 'ASSIGN',
    assignee: `agent-${i}`,
    queue: null,
    replyText: null,
    meta: { ...base.meta, eventId: `cmd-${i}`, occurredAt: base.meta.occurredAt + 1 + i },
  }));
  const done = fold([...chain, ...later]);
  for (const event of [...chain, ...later]) assert.equal(foldTicket(done, event), done, event.meta.eventId);
  assert.equal(done.replies.length, 1, 'a replayed REPLY is not sent twice');
  assert.ok(JSON.stringify(done).length < 20_000, 'the document does not grow with the events applied');
});

test('a replay that re-derives the same facts with new times changes nothing', () => {
  const chain = fixtureChain('org-x');
  const done = fold(chain);
  const rederived = chain
    .filter((e) => 'enrichment' in e && !('command' in e))
    .map((e) => ({ ...e, meta: { ...e.meta, occurredAt: e.meta.occurredAt + 60_000 } }) as TicketEvent);
  assert.ok(rederived.length >= 4);
  for (const event of rederived) assert.equal(foldTicket(done, event), done, event.meta.eventId);
});

test('the revision counts changes only', () => {
  const [received, enriched, , , , routed] = fixtureChain('org-x');
  const doc = fold([received!, routed!]);
  assert.equal(doc.revision, 2);
  // Older than the routing in every field it carries: nothing to change.
  assert.equal(foldTicket(doc, enriched!), doc);
});

test('any arrival order converges on the same ticket', () => {
  const expected = state(fold(fixtureChain('org-x')));
  for (let seed = 1; seed <= 50; seed++) {
    assert.deepEqual(state(fold(shuffled(fixtureChain('org-x'), seed))), expected, `seed ${seed}`);
  }
});

test('an earlier stage arriving late does not undo a later one', () => {
  const [received, enriched, , , , routed] = fixtureChain('org-x');
  const doc = fold([received!, routed!, enriched!]);
  assert.equal(doc.queue, 'billing-en');
  assert.equal(doc.classification?.intent, 'billing.refund');
  assert.equal(doc.writtenAt.enrichment, doc.writtenAt.routing);
});

test('commands resolve, reopen and reassign in occurrence order', () => {
  const base = sampleEvents.TicketCommand;
  const at = (offset: number, patch: Partial<TicketCommand>): TicketCommand => ({
    ...base,
    ...patch,
    meta: { ...base.meta, eventId: `cmd-${offset}`, occurredAt: base.meta.occurredAt + offset },
  });
  const resolve = at(1, { command: 'RESOLVE', resolution: 'answered', replyText: null });
  const reopen = at(2, { command: 'REOPEN', replyText: null });
  const assign = at(3, { command: 'ASSIGN', assignee: 'agent-9', queue: 'vip', replyText: null });
  const chain = fixtureChain('org-acme');
  const doc = fold([...chain, assign, reopen, resolve]);
  assert.equal(doc.status, 'open');
  assert.equal(doc.resolution, null);
  assert.equal(doc.assignee, 'agent-9');
  assert.equal(doc.queue, 'vip');
  assert.equal(fold([...chain, resolve]).status, 'resolved');
});
