import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stuckAt, type Posted, type TicketView } from './pipeline.js';
import { ticketTable } from './report.js';
import { requestOf, SAMPLES } from './samples.js';

test('each sample has its own conversation, the same on every run, and a new one when edited', () => {
  const ids = SAMPLES.map((s) => requestOf(s).conversationId);
  assert.equal(new Set(ids).size, SAMPLES.length);
  assert.deepEqual(
    SAMPLES.map((s) => requestOf(s).conversationId),
    ids,
  );
  const edited = { ...SAMPLES[0]!, message: { ...SAMPLES[0]!.message, body: 'edited' } };
  assert.notEqual(requestOf(edited).conversationId, ids[0]);
});

test('a ticket that is not routed names the stage it waits on', () => {
  assert.equal(stuckAt(null).next, 'ticket-store');
  const doc = { enrichment: {}, classification: {}, grounding: null } as unknown as TicketView;
  assert.deepEqual(stuckAt(doc), { after: 'classified', next: 'retrieve' });
});

test('the table shows the routing and the first line of the draft after its greeting', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0);
  const posted: Posted = { sample: SAMPLES[0]!, ticketId: 't1', replayed: false };
  const ticket = {
    enrichment: { customer: { tier: 'PREMIUM' } },
    classification: { intent: 'lost_or_stolen_card', outOfScope: false },
    draft: {
      text: 'Hello, and thank you for getting in touch.\n\nFreeze your card in the app.\n\nBye.',
      language: 'en',
      citations: [{}, {}],
      confidence: 0.9,
      holding: false,
    },
    routing: {
      decision: 'AUTO_REPLY',
      queue: 'cards-urgent-en',
      priority: 'P1',
      firstResponseDueAt: now + 15 * 60_000,
      reasons: ['confident_draft'],
    },
  } as unknown as TicketView;
  const lines = ticketTable([posted], new Map([['t1', ticket]]), now);
  assert.match(lines[0]!, /^SAMPLE\s+CUSTOMER\s+INTENT\s+PRI\s+ROUTING\s+SLA DUE\s+CITES$/);
  assert.match(lines[1]!, /lost card\s+cust-1001 PREMIUM\s+lost_or_stolen_card\s+P1\s+AUTO_REPLY → cards-urgent-en/);
  assert.match(lines[1]!, /\(in 15m\)\s+2$/);
  assert.match(lines[2]!, /draft \(confidence 0.9\): Freeze your card in the app\.$/);
  assert.match(lines[3]!, /why: confident_draft$/);
});
