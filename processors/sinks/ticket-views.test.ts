import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvents } from '../../schemas/fixtures.js';
import type { TicketChanged } from '../../schemas/index.js';
import { slaOutcome, ticketDetail } from './ticket-views.js';

const base = sampleEvents.TicketChanged;
const DUE = base.slaDueAt!;
const change = (patch: Partial<TicketChanged>): TicketChanged => ({ ...base, ...patch });
const human = { ...base.routing!, decision: 'HUMAN' as const };

test('the detail holds the changelog’s fields in the API’s words, without the envelope', () => {
  const detail = ticketDetail(base);
  assert.equal(detail.status, 'pending');
  assert.equal(detail.intent, 'billing.refund');
  assert.equal(detail.subject, 'Charged twice for January');
  assert.equal(detail.orgId, 'org-acme');
  assert.equal(detail.createdAt, base.createdAt);
  assert.ok(!('meta' in detail));
  assert.deepEqual(detail.replies, base.replies);
});

test('a deadline is met by the first reply in time, late after it, and waits without one', () => {
  const reply = (at: number) => ({ ...base.replies[0]!, at });
  assert.deepEqual(slaOutcome(change({ slaDueAt: null })), { state: 'none', respondedAt: base.replies[0]!.at });
  assert.equal(slaOutcome(change({ replies: [reply(DUE)] })).state, 'met');
  assert.equal(slaOutcome(change({ replies: [reply(DUE + 1), reply(DUE - 1)] })).state, 'met', 'the first reply');
  assert.deepEqual(slaOutcome(change({ replies: [reply(DUE + 5)] })), { state: 'late', respondedAt: DUE + 5 });
  const open = change({ status: 'OPEN', replies: [], routing: human });
  assert.deepEqual(slaOutcome(open), { state: 'waiting', respondedAt: null });
});

test('an automatic reply meets the deadline; leaving open without a reply answers at the last update', () => {
  const auto = change({ status: 'AUTO_REPLIED', replies: [], routing: { ...human, decision: 'AUTO_REPLY' } });
  assert.equal(slaOutcome(auto).state, 'met');
  const resolvedLate = change({ status: 'RESOLVED', replies: [], routing: human, updatedAt: DUE + 60_000 });
  assert.deepEqual(slaOutcome(resolvedLate), { state: 'late', respondedAt: DUE + 60_000 });
  const resolvedInTime = change({ status: 'RESOLVED', replies: [], routing: human, updatedAt: DUE - 1 });
  assert.equal(slaOutcome(resolvedInTime).state, 'met');
});
