import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvents } from '../../schemas/fixtures.js';
import type { TicketCommand } from '../../schemas/generated/events.js';
import { ticketFacts } from './ticket-facts.js';

const command = (patch: Partial<TicketCommand>): TicketCommand => ({ ...sampleEvents.TicketCommand, ...patch });

test('routing places the ticket in its queue with its deadline and final priority', () => {
  const facts = ticketFacts(sampleEvents.RoutingDecided);
  assert.equal(facts.status, 'open');
  assert.deepEqual(facts.placement, {
    queue: 'billing-en',
    slaDueAt: sampleEvents.RoutingDecided.routing.firstResponseDueAt,
  });
  assert.equal(facts.intent, 'billing.refund');
  assert.equal(facts.priority, 'P2');
});

test('an automatic reply is its own status', () => {
  const auto = {
    ...sampleEvents.RoutingDecided,
    routing: { ...sampleEvents.RoutingDecided.routing, decision: 'AUTO_REPLY' as const },
  };
  assert.equal(ticketFacts(auto).status, 'auto_replied');
});

test('commands change status and assignment', () => {
  assert.equal(ticketFacts(command({ command: 'REPLY' })).status, 'pending');
  assert.equal(ticketFacts(command({ command: 'RESOLVE', resolution: 'answered' })).status, 'resolved');
  assert.equal(ticketFacts(command({ command: 'REOPEN' })).status, 'open');
  const assign = ticketFacts(command({ command: 'ASSIGN', assignee: 'agent-3', queue: 'vip' }));
  assert.equal(assign.status, undefined);
  assert.equal(assign.assignee, 'agent-3');
  assert.equal(assign.queue, 'vip');
  assert.equal(ticketFacts(command({ command: 'ASSIGN', assignee: null })).queue, undefined);
  const unknown = ticketFacts(command({ command: 'UNKNOWN' }));
  assert.deepEqual(Object.keys(unknown).sort(), ['kind', 'order']);
});
