import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvents } from '../../schemas/fixtures.js';
import { liveViewFields, liveViewKeys } from './live-views.js';
import { ticketFacts } from './ticket-facts.js';

test('routing writes queue and deadline with one order, nulls as empty strings', () => {
  const routed = {
    ...sampleEvents.RoutingDecided,
    routing: { ...sampleEvents.RoutingDecided.routing, firstResponseDueAt: null },
  };
  const facts = ticketFacts(routed);
  const order = String(facts.order);
  assert.deepEqual(liveViewFields(facts), [
    ...['status', 'open', order],
    ...['queue', 'billing-en', order],
    ...['slaDueAt', '', order],
    ...['intent', 'billing.refund', order],
    ...['priority', 'P2', order],
  ]);
});

test('every key names its org', () => {
  assert.equal(liveViewKeys.ticket('o', 't'), 'tf:ticket:o:t');
  assert.equal(liveViewKeys.queue('o', 'q'), 'tf:queue:o:q');
  assert.equal(liveViewKeys.applied('o', 'e'), 'tf:applied:o:e');
  for (const pattern of liveViewKeys.patterns('o')) assert.match(pattern, /^tf:\w+:o:\*$/);
});
