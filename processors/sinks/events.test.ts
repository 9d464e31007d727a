import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvents } from '../../schemas/fixtures.js';
import { classify, factOrder, factTime, TICKET_EVENT_KINDS, ticketKey, type TicketEvent } from './events.js';

test('classify names every ticket event by its most specific section', () => {
  for (const kind of TICKET_EVENT_KINDS) assert.equal(classify(sampleEvents[kind]).kind, kind);
});

test('classify refuses an event of another family', () => {
  assert.throws(() => classify(sampleEvents.KnowledgeChunk as unknown as TicketEvent), /not a ticket event/);
});

test('factOrder: a later occurrence wins over a later stage, and a later stage breaks ties', () => {
  assert.ok(factOrder('InteractionEnriched', 1_000) > factOrder('RoutingDecided', 999));
  assert.ok(factOrder('RoutingDecided', 1_000) > factOrder('InteractionEnriched', 1_000));
  const now = Date.UTC(2100, 0, 1);
  assert.ok(Number.isSafeInteger(factOrder('TicketCommand', now)));
});

test('factTime: the pipeline keeps the arrival time of its interaction; commands keep their own', () => {
  const arrival = sampleEvents.InteractionReceived.meta.occurredAt;
  for (const kind of TICKET_EVENT_KINDS.filter((k) => k !== 'TicketCommand' && k !== 'InteractionReceived')) {
    const event = sampleEvents[kind];
    const rederived = { ...event, meta: { ...event.meta, occurredAt: event.meta.occurredAt + 60_000 } } as TicketEvent;
    assert.equal(factTime(classify(rederived)), arrival, kind);
  }
  const command = sampleEvents.TicketCommand;
  assert.equal(factTime(classify(command)), command.meta.occurredAt);
});

test('ticketKey joins org and ticket', () => {
  assert.equal(ticketKey('org-a', 'T-1'), 'org-a:T-1');
});
