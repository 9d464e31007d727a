import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvents } from '../../schemas/fixtures.js';
import { toSearchDocument } from './search-document.js';
import { foldTicket, type TicketDocument } from './ticket-document.js';
import { fixtureChain } from './test-support.js';

const ticket = fixtureChain('org-s').reduce<TicketDocument | null>((d, e) => foldTicket(d, e), null)!;

test('the search document holds the redacted text, never the raw message', () => {
  const doc = toSearchDocument(ticket);
  assert.equal(doc.body, sampleEvents.InteractionEnriched.enrichment.redactedBody);
  assert.ok(!JSON.stringify(doc).includes('4111'));
  assert.ok(!JSON.stringify(doc).includes('jo@example.com'));
});

test('the search document carries the filterable facts', () => {
  assert.deepEqual(
    {
      ...toSearchDocument(ticket),
      subject: undefined,
      body: undefined,
    },
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
    },
  );
});
