import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvents } from '../../schemas/fixtures.js';
import { toSearchDocument } from './search-document.js';
import { ticketChanged } from './ticket-changes.js';
import { foldTicket, type TicketDocument } from './ticket-document.js';
import { fixtureChain } from './test-support.js';
import { ticketDetail } from './ticket-views.js';

const ticket = fixtureChain('org-s').reduce<TicketDocument | null>((d, e) => foldTicket(d, e), null)!;
const change = ticketChanged(ticket, sampleEvents.TicketCommand.meta.eventId);

test('the changelog and the search document hold the redacted text, never the raw message', () => {
  const raw = sampleEvents.InteractionReceived;
  for (const doc of [change, toSearchDocument(change)]) {
    const text = JSON.stringify(doc);
    assert.ok(!text.includes(raw.body), 'no raw body');
    assert.ok(!text.includes('4111'));
    assert.ok(!text.includes('jo@example.com'));
  }
  assert.equal(toSearchDocument(change).body, sampleEvents.InteractionEnriched.enrichment.redactedBody);
});

test('the search document carries the filterable facts, the SLA outcome and the detail', () => {
  assert.deepEqual(
    { ...toSearchDocument(change), subject: undefined, body: undefined, detail: undefined },
    {
      org_id: 'org-s',
      ticket_id: 'T-1042',
      conversation_id: 'conv-7f3a',
      status: 'pending',
      queue: 'billing-en',
      intent: 'billing.refund',
      priority: 'P2',
      assignee: null,
      subject: undefined,
      body: undefined,
      sla_due_at: sampleEvents.RoutingDecided.routing.firstResponseDueAt,
      updated_at: sampleEvents.TicketCommand.meta.occurredAt,
      revision: ticket.revision,
      created_at: sampleEvents.InteractionReceived.meta.occurredAt,
      // The agent's reply came a minute after the message, well within the two hours of its deadline.
      sla_state: 'met',
      first_response_at: sampleEvents.TicketCommand.meta.occurredAt,
      detail: undefined,
    },
  );
  assert.deepEqual(toSearchDocument(change).detail, ticketDetail(change));
});

test('a revision always has the same event id, and a new revision a new one', () => {
  const again = ticketChanged(ticket, 'another-cause', 0);
  assert.equal(again.meta.eventId, change.meta.eventId);
  assert.notEqual(ticketChanged({ ...ticket, revision: ticket.revision + 1 }, 'x').meta.eventId, change.meta.eventId);
});
